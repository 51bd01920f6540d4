#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest

/// Tab Tab on `:load ` in a folder of file names with ñ, accents and CJK, in
/// the real REPL on pseudo-terminals of 60 and 120 columns: the candidate list
/// is laid out in terminal columns (libedit alone pads by bytes).
final class CompletionListingTests: XCTestCase {
    private var home: URL!
    private var folder: URL!
    private let names = ["año.capas", "niño-cnn.capas", "东.capas", "plain.capas",
                         "über-modelo.capas", "東京-red.capas", "mañana.capas", "zeta.capas"]

    override func setUpWithError() throws {
        home = try temporaryHome("listing-pty")
        folder = home.appendingPathComponent("models", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in names {
            try "input 28x28x1\n".write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).count, names.count)
    }


    private func startRepl(columns: UInt16, file: StaticString = #filePath, line: UInt = #line) throws -> PseudoTerminal {
        let terminal = try PseudoTerminal.capas(home: home, columns: columns, file: file, line: line)
        terminal.expect("capas> ", file: file, line: line)
        terminal.waitForRawMode(file: file, line: line)
        return terminal
    }

    /// The test's own column count: these names hold only one-column
    /// characters and the CJK ideographs below, which take two.
    private func columns(_ text: Substring) -> Int {
        text.unicodeScalars.reduce(0) { sum, scalar in
            sum + ((0x4E00...0x9FFF).contains(scalar.value) ? 2 : 1)
        }
    }

    /// Where each name starts (in display columns) on the listing's lines, row by row.
    private func starts(in listing: [String]) -> [(name: String, row: Int, column: Int)] {
        var found: [(String, Int, Int)] = []
        for (row, line) in listing.enumerated() {
            for name in names {
                guard let range = line.range(of: name) else { continue }
                // `año.capas` is also the end of `mañana.capas`? No: but guard against suffix matches anyway.
                if range.lowerBound > line.startIndex, !line[line.index(before: range.lowerBound)].isWhitespace { continue }
                found.append((name, row, columns(line[..<range.lowerBound])))
            }
        }
        return found
    }

    private func checkListing(columns width: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let terminal = try startRepl(columns: UInt16(width), file: file, line: line)
        terminal.send(":load \(folder.path)/")
        terminal.expect("models/", file: file, line: line)
        terminal.send("\t\t")
        // The listing, then the prompt and the line drawn again under it.
        terminal.expect("capas> ", file: file, line: line)
        let reply = terminal.lastReply
        terminal.expect("models/", file: file, line: line)
        let listing = reply
            .replacingOccurrences(of: "\u{7}", with: "")
            .replacingOccurrences(of: "\r", with: "")
            .components(separatedBy: "\n")
            .filter { line in names.contains { line.contains($0) } }
        let placed = starts(in: listing)
        XCTAssertEqual(Set(placed.map(\.name)), Set(names), "every candidate is listed once: \(listing)", file: file, line: line)
        XCTAssertEqual(placed.count, names.count, "\(listing)", file: file, line: line)
        let widest = names.map { columns($0[...]) }.max() ?? 0
        // As readline does: columns of the widest name plus two spaces.
        for entry in placed {
            XCTAssertEqual(entry.column % (widest + 2), 0,
                           "\(entry.name) starts at display column \(entry.column), not on a column of width \(widest + 2): \(listing)",
                           file: file, line: line)
        }
        for shown in listing {
            XCTAssertLessThanOrEqual(columns(shown[...]), width, "wider than the terminal: \(shown.debugDescription)", file: file, line: line)
        }
        // As many columns as fit, filled down first: at 120 all in one row, at 60 three columns.
        let perRow = max(1, (width + 1) / (widest + 2))
        let rows = (names.count + perRow - 1) / perRow
        XCTAssertEqual(listing.count, rows, "\(listing)", file: file, line: line)
        XCTAssertGreaterThan(Set(placed.map(\.column)).count, 1, "laid out in columns: \(listing)", file: file, line: line)
        // The line is still being edited: Ctrl-U and Ctrl-D end the session.
        terminal.send("\u{15}\u{4}")
        let status = terminal.waitForExit()
        XCTAssertEqual(status.map { ($0 >> 8) & 0xFF }, 0, terminal.transcript, file: file, line: line)
    }

    func testTabTabListsFileNamesInDisplayColumnsAt60Columns() throws {
        try checkListing(columns: 60)
    }

    func testTabTabListsFileNamesInDisplayColumnsAt120Columns() throws {
        try checkListing(columns: 120)
    }
}
