#if canImport(Glibc)
import Glibc
#endif
@testable import CapasLineEditing
import Foundation
import XCTest

/// Completion bookkeeping, history location, the interrupt flag.
final class LineEditingUnitTests: XCTestCase {
    private func replacements(_ line: String, libedit word: String, wordStart: Int,
                              _ candidates: [String]) -> [String] {
        CompletionBridge.libeditReplacements(line: line, libeditWord: word, wordStart: wordStart,
                                             candidates: candidates)
    }

    func testSameWordStartPassesCandidatesThrough() {
        XCTAssertEqual(replacements("max", libedit: "max", wordStart: 0, ["maxpool"]), ["maxpool"])
        XCTAssertEqual(replacements("dense 10 co", libedit: "co", wordStart: 9, ["conv", "conv1d"]),
                       ["conv", "conv1d"])
    }

    /// A completer that completes after `=` while libedit's word is `stride=`.
    func testCompleterWordStartingLaterGainsTheTypedPrefix() {
        XCTAssertEqual(replacements("conv 8 3x3 stride=", libedit: "stride=", wordStart: 18, ["1", "2"]),
                       ["stride=1", "stride=2"])
    }

    /// A completer that replaces more than libedit's word: what was typed
    /// before libedit's word is stripped, candidates that disagree dropped.
    func testCompleterWordStartingEarlierLosesTheTypedPrefix() {
        XCTAssertEqual(replacements("load my", libedit: "my", wordStart: 0, ["load my model", "save"]),
                       ["my model"])
    }

    /// `wordStart` counts Characters: `año ` is 4 Characters but 5 bytes.
    func testWordStartCountsCharacters() {
        XCTAssertEqual(replacements("año max", libedit: "max", wordStart: 4, ["maxpool"]), ["maxpool"])
        XCTAssertEqual(replacements("año ma", libedit: "ma", wordStart: 0, ["año maxpool"]), ["maxpool"])
    }

    func testDuplicatesRemovedAndOutOfRangeStartsClamped() {
        XCTAssertEqual(replacements("co", libedit: "co", wordStart: 0, ["conv", "conv", "conv1d"]),
                       ["conv", "conv1d"])
        XCTAssertEqual(replacements("co", libedit: "co", wordStart: -3, ["conv"]), ["conv"])
        XCTAssertEqual(replacements("co", libedit: "co", wordStart: 99, ["nv"]), ["conv"])
    }

    func testDefaultHistoryFile() {
        XCTAssertEqual(defaultHistoryFile(environment: ["XDG_DATA_HOME": "/data", "HOME": "/home/ana"]).path,
                       "/data/capas/history")
        XCTAssertEqual(defaultHistoryFile(environment: ["HOME": "/home/ana"]).path,
                       "/home/ana/.local/share/capas/history")
        // A relative XDG_DATA_HOME is invalid by the XDG spec and ignored.
        XCTAssertEqual(defaultHistoryFile(environment: ["XDG_DATA_HOME": "data", "HOME": "/home/ana"]).path,
                       "/home/ana/.local/share/capas/history")
        XCTAssertEqual(defaultHistoryFile(environment: ["XDG_DATA_HOME": "", "HOME": "/home/ana"]).path,
                       "/home/ana/.local/share/capas/history")
    }

    func testInterruptFlag() {
        Interrupt.install()
        Interrupt.install()  // a second install changes nothing
        Interrupt.clear()
        XCTAssertFalse(Interrupt.requested)
        raise(SIGINT)  // with the handler installed this only sets the flag
        XCTAssertTrue(Interrupt.requested)
        Interrupt.clear()
        XCTAssertFalse(Interrupt.requested)
    }

    func testTerminalFacts() throws {
        var ends: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&ends), 0)
        defer { close(ends[0]); close(ends[1]) }
        XCTAssertFalse(Terminal.isTerminal(ends[0]))
        XCTAssertGreaterThan(Terminal.columns, 0)
    }
}
