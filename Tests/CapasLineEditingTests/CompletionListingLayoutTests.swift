@testable import CapasLineEditing
import CapasMessages
import XCTest

/// `CompletionListing.lines`: columns measured in terminal columns, filled top to bottom.
final class CompletionListingLayoutTests: XCTestCase {
    func testColumnsAreMeasuredInTerminalColumnsNotBytes() {
        let names = ["año.capas", "东.capas", "niño-cnn.capas", "plain.capas"]
        let lines = CompletionListing.lines(names, width: 80)
        XCTAssertEqual(lines.count, 1)
        // niño-cnn.capas is 14 columns (15 bytes): every column is 16 wide.
        XCTAssertEqual(lines[0], "año.capas       东.capas        niño-cnn.capas  plain.capas")
        XCTAssertEqual(displayWidth(lines[0]), 3 * 16 + 11)
    }

    func testNarrowTerminalsGetMoreRowsFilledDownFirst() {
        let names = ["a", "bb", "ccc", "dddd", "eeeee"]
        // Columns of 7: (20 + 1) / 7 = 3 fit, so two rows.
        XCTAssertEqual(CompletionListing.lines(names, width: 20), ["a      ccc    eeeee", "bb     dddd"])
        // Narrower than one name: one per line, never an empty layout.
        XCTAssertEqual(CompletionListing.lines(names, width: 3), names)
    }

    func testTheSharedFolderIsNotRepeated() {
        XCTAssertEqual(CompletionListing.shownNames(["m/año.capas", "m/sub/", "m/東.capas"]), ["año.capas", "sub/", "東.capas"])
        XCTAssertEqual(CompletionListing.shownNames(["a/x", "b/y"]), ["a/x", "b/y"])
        XCTAssertEqual(CompletionListing.shownNames(["conv", "conv1d"]), ["conv", "conv1d"])
    }

    func testALongListShowsItsFirstRowsAndHowManyAreLeftOut() {
        let names = (1...500).map { String(format: "file%03d.capas", $0) }
        let lines = CompletionListing.lines(names, width: 80, maxRows: 20)
        // Columns of 15: (80 + 1) / 15 = 5 per row, 20 rows = 100 names shown.
        XCTAssertEqual(lines.count, 21)
        XCTAssertEqual(lines.last, "… +400")
        XCTAssertTrue(lines[0].hasPrefix("file001.capas  file021.capas"), lines[0])
        XCTAssertEqual(CompletionListing.lines(Array(names.prefix(100)), width: 80, maxRows: 20).count, 20)
    }
}
