import CapasMessages
@testable import CapasModel
@testable import CapasREPL
import XCTest

/// `:help TOPIC` answers for every layer, command and formula, in both
/// languages, and every example it runs is one capas accepts.
final class HelpTests: XCTestCase {
    func help(_ topic: String, _ language: Language) -> Reply {
        Interpreter(language: language).execute(":help " + topic)
    }

    func testEveryLayerKeywordAndCommandHasItsOwnHelpInBothLanguages() {
        let commands = Interpreter.commands.filter { $0 != ":help" }
        for topic in Parser.layerNames + commands {
            let es = help(topic, .es), en = help(topic, .en)
            XCTAssertFalse(es.isError || en.isError, topic)
            XCTAssertFalse(en.text.hasPrefix("no help"), "no help on \(topic)")
            XCTAssertFalse(es.text.hasPrefix("no hay ayuda"), "no Spanish help on \(topic)")
            XCTAssertNotEqual(es.text, en.text, topic)
            // An example: one run with its reply, or (show, train, filters, plot) lines to type.
            let typed = en.text.split(separator: "\n").contains { $0.hasPrefix("  :") }
            XCTAssertTrue(en.text.contains("Example:\n") || typed, "\(topic) has no example:\n\(en.text)")
        }
    }

    func testEveryRunExampleIsAcceptedAndShownWithItsReply() {
        for entry in Help.entries where !entry.run.isEmpty {
            for language in [Language.es, .en] {
                let session = Interpreter(language: language)
                for line in entry.run {
                    let reply = session.execute(line)
                    XCTAssertFalse(reply.isError, "\(entry.names[0]) (\(language)): `\(line)` → \(reply.text)")
                }
            }
        }
        // The example's reply is part of the help: conv's example shows the slide's 1,216.
        XCTAssertTrue(help("conv", .en).text.contains("(5·5·3 + 1)·16 = 1,216"), help("conv", .en).text)
        XCTAssertTrue(help("conv", .es).text.contains("(5·5·3 + 1)·16 = 1216"), help("conv", .es).text)
        XCTAssertTrue(help("outsize", .en).text.contains("⌊15.5⌋ + 1 = 16"))
        // A concatenation shows every branch it joins.
        XCTAssertTrue(help("concat", .en).text.contains("28x28x64 + 28x28x128 + 28x28x192 → 28x28x384"), help("concat", .en).text)
    }

    func testHelpExamplesLeaveTheLearnersSessionAlone() {
        let session = Interpreter(language: .en)
        _ = session.execute("input 28x28x1")
        _ = session.execute("conv 10 5x5")
        _ = session.execute(":help dense")
        XCTAssertEqual(session.execute(":model").text.trimmingCharacters(in: .whitespacesAndNewlines),
                       "input 28x28x1\nconv 10 5x5")
    }

    func testUnknownTopicSuggestsWhereToLook() {
        let reply = help("convolutions-of-doom", .en)
        XCTAssertTrue(reply.text.contains(":help layers") && reply.text.contains(":help conv"), reply.text)
        XCTAssertTrue(help("nada", .es).text.hasPrefix("no hay ayuda"))
    }

    func testAnErrorAfterACommandPointsAtItsPlaceNotAnEarlierMatch() {
        // `s` also occurs inside ":show": the caret must land on the argument.
        let reply = Interpreter(language: .en).execute(":show s")
        XCTAssertTrue(reply.isError)
        XCTAssertTrue(reply.text.hasSuffix("  :show s\n        ^"), reply.text)
    }
}
