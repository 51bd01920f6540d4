@testable import CapasREPL
import CapasModel
import XCTest

/// Every comment of every preset comes out in Spanish in a Spanish session
/// (`:lang es`), with its numbers written the Spanish way.
final class PresetCommentsSpanishTests: XCTestCase {
    /// The comments of a `:preset` reply, line by line (the summary table has no `#`).
    private func comments(_ reply: String) -> [String] {
        reply.components(separatedBy: "\n").compactMap { line in
            line.firstIndex(of: "#").map { line[line.index(after: $0)...].trimmingCharacters(in: .whitespaces) }
        }
    }

    /// Words a Spanish comment must not keep (checked as whole words).
    private let englishWords: Set<String> = [
        "the", "and", "with", "of", "per", "to", "in", "then", "channels", "parameters", "values", "block",
        "layer", "layers", "shortcut", "identity", "stride", "without", "each", "one", "two", "three", "is",
        "are", "its", "as", "filter", "filters", "convolution", "convolutions", "output", "input", "head",
        "words", "steps", "step", "character", "characters", "reviews", "network", "model", "gives", "has",
        "expansion", "reduction", "projection", "multiply", "adds", "million", "for", "from",
    ]

    func testEveryPresetCommentIsInSpanishAfterLangEs() {
        let spanish = Interpreter(language: .en)
        XCTAssertFalse(spanish.execute(":lang es").text.isEmpty)
        let english = Interpreter(language: .en)
        for preset in Presets.all {
            let es = comments(spanish.execute(":preset \(preset.name)").text)
            let en = comments(english.execute(":preset \(preset.name)").text)
            XCTAssertEqual(es.count, en.count, preset.name)
            XCTAssertGreaterThan(en.count, 0, preset.name)
            for (esLine, enLine) in zip(es, en) {
                // A book's title is a name: Chollet's "Deep Learning with Python".
                let words = esLine.replacingOccurrences(of: "Deep Learning with Python", with: "").split { !$0.isLetter }.map { $0.lowercased() }
                let left = words.filter(englishWords.contains)
                XCTAssertTrue(left.isEmpty, "\(preset.name): English words \(left) left in `# \(esLine)`")
                if esLine == enLine {
                    // Unchanged only if there is nothing to translate: numbers, sizes, symbols.
                    let lettered = enLine.split { !$0.isLetter && !$0.isNumber }
                        .filter { word in !word.allSatisfy { $0.isNumber || $0 == "x" } && word.filter(\.isLetter).count >= 3 }
                    XCTAssertTrue(lettered.isEmpty, "\(preset.name): `# \(enLine)` has no Spanish text")
                }
            }
        }
    }

    func testSpanishCommentsGroupDigitsTheSpanishWay() {
        let spanish = Interpreter(language: .es)
        let lenet = spanish.execute(":preset lenet5").text
        XCTAssertTrue(lenet.contains("# salida: (84 + 1)·10 = 850; 61\u{00A0}706 parámetros en total"), lenet)
        XCTAssertTrue(lenet.contains("= 2416\n"), "four digits are not split: \(lenet)")
        XCTAssertFalse(lenet.contains("2,416"), "2,416 reads as two point four in Spanish: \(lenet)")
        let alexnet = spanish.execute(":preset alexnet").text
        XCTAssertTrue(alexnet.contains("58,6 de los 61,1 millones de parámetros"), alexnet)
        let english = Interpreter(language: .en).execute(":preset lenet5").text
        XCTAssertTrue(english.contains("= 2,416\n"), english)
        XCTAssertEqual(PresetComments.spanishNumbers("(1, 1) 1,040,000 and 8,448"), "(1, 1) 1\u{00A0}040\u{00A0}000 and 8448")
    }
}
