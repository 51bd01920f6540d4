@testable import CapasREPL
import XCTest

/// Every help page points to the same other pages in both languages: the
/// `:help X` references of a Spanish page are those of the English page.
final class HelpReferenceTests: XCTestCase {
    /// The `X` of every `:help X` (or `:ayuda X`) in `text`, in order.
    private func references(_ text: String) -> [String] {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        var found: [String] = []
        for marker in [":help ", ":ayuda "] {
            for piece in flat.components(separatedBy: marker).dropFirst() {
                let name = piece.prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
                if !name.isEmpty { found.append(String(name)) }
            }
        }
        return found.sorted()
    }

    func testSpanishPagesReferToTheSamePagesAsEnglishOnes() {
        let spanish = Interpreter(language: .es), english = Interpreter(language: .en)
        var checked = 0
        for name in Set(Help.names).sorted() {
            let es = references(spanish.execute(":help \(name)").text)
            let en = references(english.execute(":help \(name)").text)
            XCTAssertEqual(es, en, ":help \(name): the Spanish page refers to \(es), the English one to \(en)")
            checked += es.isEmpty ? 0 : 1
        }
        XCTAssertGreaterThan(checked, 5, "the pages do hold references")
        // Every reference leads to a page that exists.
        for name in Set(Help.names) {
            for target in references(english.execute(":help \(name)").text) {
                XCTAssertFalse(english.execute(":help \(target)").text.hasPrefix("no help on"), ":help \(name) refers to a missing `:help \(target)`")
            }
        }
    }
}
