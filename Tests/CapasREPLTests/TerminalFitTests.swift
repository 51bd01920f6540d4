import CapasMessages
@testable import CapasREPL
import XCTest

/// Terminal columns, not bytes or Characters; wrapping at words; tables that narrow.
final class TerminalFitTests: XCTestCase {
    func testDisplayWidthCountsColumns() {
        XCTAssertEqual(displayWidth("año"), 3)
        XCTAssertEqual(displayWidth("an\u{0303}o"), 3)  // n + combining tilde
        XCTAssertEqual(displayWidth("東京.png"), 8)
        XCTAssertEqual(displayWidth("\u{1B}[38;2;0;0;0m▀\u{1B}[0m"), 1)
        XCTAssertEqual(strippingANSI("\u{1B}[38;2;0;0;0m▀\u{1B}[49m x"), "▀ x")
    }

    func testMatricesAlignWideCells() {
        // A matrix printed with Character counts would put the CJK row two columns off.
        let text = Display.table([["東京", "1"], ["ab", "22"]], numeric: [1])
        let lines = text.components(separatedBy: "\n")
        XCTAssertEqual(lines.map { displayWidth($0) }, [8, 8], text)
    }

    func testWrapKeepsWordsAndHangsUnderTheDefinition() {
        let line = "  :summary [batch=N]   the layer table with shapes, parameters and multiply-adds of the current model"
        let wrapped = TerminalFit.fit(line, width: 60).components(separatedBy: "\n")
        XCTAssertGreaterThan(wrapped.count, 1)
        for l in wrapped { XCTAssertLessThanOrEqual(displayWidth(l), 60, l) }
        XCTAssertEqual(wrapped.joined(separator: " ").split(separator: " "), line.split(separator: " "))
        let column = displayWidth("  :summary [batch=N]   ")
        for l in wrapped.dropFirst() { XCTAssertEqual(l.prefix { $0 == " " }.count, column, l) }
    }

    func testWrapLeavesPicturesExcerptsAndNarrowTextAlone() {
        let picture = String(repeating: "\u{1B}[38;2;1;2;3m▀", count: 70)
        XCTAssertEqual(TerminalFit.fit(picture, width: 60), picture)
        let excerpt = " 1 | conv 10 50x50 stride=2 pad=same groups=1 dilation=1 bias=no relu relu relu\n   | ^~~~"
        XCTAssertEqual(TerminalFit.fit(excerpt, width: 60), excerpt)
        XCTAssertEqual(TerminalFit.fit("short line", width: 60), "short line")
    }

    func testSummaryTableDropsMultAddsThenTypeThenShortensLayers() throws {
        let interpreter = Interpreter(language: .en)
        _ = interpreter.execute(":preset resnet18")
        let table = interpreter.execute(":summary").text
        let header = { (text: String) in text.components(separatedBy: "\n").first { $0.hasPrefix("layer") } ?? "" }
        XCTAssertTrue(header(table).contains("mult-adds"))
        let full = table.components(separatedBy: "\n").map { displayWidth($0) }.max() ?? 0
        XCTAssertEqual(TerminalFit.fit(table, width: full), table)
        let narrower = TerminalFit.fit(table, width: full - 1)
        XCTAssertFalse(header(narrower).contains("mult-adds"), narrower)
        XCTAssertTrue(header(narrower).contains("type"), narrower)
        let at40 = TerminalFit.fit(table, width: 40)
        XCTAssertFalse(header(at40).contains("type"), at40)
        let rows = at40.components(separatedBy: "\n").prefix { !$0.hasPrefix("Trainable") }
        for row in rows { XCTAssertLessThanOrEqual(displayWidth(row), 40, row) }
        XCTAssertTrue(at40.contains("…"), at40)
        // The numbers are all still there.
        XCTAssertTrue(at40.contains("11,689,512"), at40)
    }

    func testTheTrainingBarShortensToStayOnOneLine() {
        let bar = "\repoch 1/500 " + String(repeating: "█", count: 20) + String(repeating: "░", count: 10) + " 32/47  loss 1.6222  acc 0.5098 "
        XCTAssertEqual(TerminalFit.fitBar(bar, width: 120), bar)
        let narrow = TerminalFit.fitBar(bar, width: 60)
        XCTAssertLessThan(displayWidth(narrow), 60, narrow)
        XCTAssertTrue(narrow.hasPrefix("\repoch 1/500 █") && narrow.hasSuffix(" 32/47  loss 1.6222  acc 0.5098 "), narrow)
        XCTAssertTrue(narrow.contains("░"))
    }
}
