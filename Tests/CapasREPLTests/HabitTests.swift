import CapasMessages
import CapasModel
@testable import CapasREPL
import XCTest

/// What a learner used to other REPLs types, and what they get.
final class HabitTests: XCTestCase {
    func run(_ lines: [String], _ language: Language = .en) -> [Reply] {
        let interpreter = Interpreter(language: language)
        return lines.map { interpreter.execute($0) }
    }

    /// A misspelt layer gets the message a model file gets: "unknown layer", the caret on the word, the suggestion.
    func testMisspeltLayerSaysWhatAModelFileSays() throws {
        for language in Language.allCases {
            for line in ["cnov 10 5x5", "maxpol 2", "conv2 32 3x3", "dens 10", "flaten x"] {
                let reply = run(["input 28x28x1", line], language)[1]
                XCTAssertTrue(reply.isError, line)
                var fileError: ModelError?
                do { _ = try ModelText(parsing: "input 28x28x1\n" + line) } catch let e as ModelError { fileError = e }
                let file = try XCTUnwrap(fileError, line)
                guard case .unknownLayer = file.problem else { return XCTFail("\(line): \(file.problem)") }
                // The same message, line numbers aside (the REPL's entry is line 1).
                let expected = ModelError(file.problem, at: SourceSpan(line: 1, column: 1, length: file.span!.length),
                                          sourceLine: line).message(in: language)
                XCTAssertEqual(reply.text, expected)
                XCTAssertTrue(reply.text.contains(language == .en ? "unknown layer" : "capa desconocida"), reply.text)
            }
        }
        // Without an input line as well: the mistake is the word, not the missing input.
        XCTAssertTrue(run(["cnov 10 5x5"])[0].text.contains("unknown layer `cnov`"))
        // Calculations are left alone.
        XCTAssertFalse(run(["A 3"])[0].text.contains("unknown layer"))
        XCTAssertEqual(run(["x = 2", "x * 3"])[1].text, "6")
    }
}

extension HabitTests {
    func testHelpAndExitAsInOtherREPLs() {
        let help = run([":help conv"])[0].text
        for spelling in ["help conv", "conv?", "?conv", "help(conv)", "conv??", "HELP conv"] {
            XCTAssertEqual(run([spelling])[0].text, help, spelling)
        }
        XCTAssertEqual(run(["help"])[0].text, run([":help"])[0].text)
        XCTAssertEqual(run(["?"])[0].text, run([":help"])[0].text)
        XCTAssertEqual(run(["ayuda conv"], .es)[0].text, run([":help conv"], .es)[0].text)
        for spelling in ["exit", "quit", "exit()", "quit()", "EXIT", "salir"] {
            XCTAssertTrue(run([spelling])[0].quit, spelling)
        }
        // A variable of that name is the variable.
        let replies = run(["exit = 3", "exit", "help = 2", "help + 1"])
        XCTAssertEqual(replies.map(\.text), ["exit = 3", "3", "help = 2", "3"])
        XCTAssertFalse(replies.contains { $0.quit })
        // A question mark in a calculation is still an error, not a help page.
        XCTAssertTrue(run(["conv 10 5x5?"])[0].isError)
    }

    func testLastResultIsUnderscoreAndAns() {
        let replies = run(["outsize(n=28, f=5)", "_ / 2", "ans + 1", "A = [1, 2]", "_ * 10"])
        XCTAssertEqual(replies[1].text, "12")
        XCTAssertEqual(replies[2].text, "13")
        XCTAssertEqual(replies[4].text, "[10  20]")
        // Before any calculation there is none; the learner's own `ans` wins.
        XCTAssertTrue(run(["ans + 1"])[0].isError)
        XCTAssertEqual(run(["ans = 5", "2 * 3", "ans"])[2].text, "5")
        XCTAssertEqual(run(["ans = 5", "2 * 3", "_"])[2].text, "6")
        // A layer line or a command leaves the last result alone.
        XCTAssertEqual(run(["7", "input 28x28x1", ":vars", "_"])[3].text, "7")
    }

    func testHistoryListsEveryEntryAsTyped() {
        let interpreter = Interpreter(language: .en)
        for line in ["A = [[1, 2]]", "cnov 10 5x5", "help conv", "relu(A)", "%time A"] { _ = interpreter.execute(line) }
        XCTAssertEqual(interpreter.execute(":history").text,
                       "1  A = [[1, 2]]\n2  cnov 10 5x5\n3  help conv\n4  relu(A)\n5  %time A")
        XCTAssertEqual(interpreter.execute("%history").text.split(separator: "\n").count, 6)
        XCTAssertEqual(Interpreter(language: .es).execute(":history").text, "(todavía no hay entradas)")
    }

    func testTimeRunsTheEntryAndSaysHowLong() throws {
        for (line, language) in [(":time outsize(n=28, f=5)", Language.en), ("%time outsize(n=28, f=5)", .en), (":time outsize(n=28, f=5)", .es)] {
            let reply = run([line], language)[0]
            XCTAssertFalse(reply.isError)
            let lines = reply.text.split(separator: "\n").map(String.init)
            XCTAssertEqual(lines.first, "24")
            let pattern = language == .en ? #"^time: [0-9]+\.[0-9]+ (ms|s)$"# : #"^tiempo: [0-9]+,[0-9]+ (ms|s)$"#
            XCTAssertNotNil(lines.last?.range(of: pattern, options: .regularExpression), reply.text)
        }
        let failed = run([":time conv(Q, K)"])[0]
        XCTAssertTrue(failed.isError)
        XCTAssertTrue(failed.text.contains("time: "), failed.text)
        XCTAssertTrue(run([":time"])[0].isError)
        // The timed entry does what it does untimed: a layer joins the model.
        let interpreter = Interpreter(language: .en)
        _ = interpreter.execute("input 28x28x1")
        XCTAssertTrue(interpreter.execute(":time conv 10 5x5").text.contains("28x28x1 → 24x24x10"))
        XCTAssertEqual(interpreter.model.entries.count, 2)
    }

    func testCompletionOffersWhatThisLayerAccepts() {
        let interpreter = Interpreter(language: .en)
        func complete(_ line: String) -> [String] { interpreter.completions(lineBeforeCursor: line).candidates }
        let activations = ["elu", "leakyrelu", "logsoftmax", "relu", "relu6", "sigmoid", "softmax", "tanh"]
        XCTAssertEqual(complete("conv 32 3x3 "), (["bias=", "dilation=", "groups=", "pad=", "stride="] + activations).sorted())
        XCTAssertEqual(complete("conv2d 32 3x3 stride=2 "), (["bias=", "dilation=", "groups=", "pad="] + activations).sorted())
        XCTAssertEqual(complete("conv 32 3x3 pad="), ["same", "valid"])
        XCTAssertEqual(complete("conv 32 3x3 pad=s"), ["same"])
        XCTAssertEqual(complete("maxpool 2 "), ["ceil=", "pad=", "stride="])
        XCTAssertEqual(complete("maxpool 2 pad="), [])
        XCTAssertEqual(complete("maxpool 2 ceil="), ["no", "yes"])
        XCTAssertEqual(complete("dense 10 "), (["bias="] + activations).sorted())
        XCTAssertEqual(complete("dense 10 s"), ["sigmoid", "softmax"])
        XCTAssertEqual(complete("conv 32 3x3 relu "), [])
        XCTAssertEqual(complete("flatten "), [])
        XCTAssertEqual(complete("lstm 64 bias="), ["keras", "no", "pytorch", "yes"])
    }
}
