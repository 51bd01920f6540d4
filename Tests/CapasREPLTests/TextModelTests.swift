import CapasCore
import CapasMessages
@testable import CapasREPL
import CapasTraining
import Foundation
import XCTest

/// :train data=FILE.txt and :sample: a character-level language model
/// trained on a text the test writes, errors in both languages, help and
/// completion of the new command.
final class TextModelTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("capas-text-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func write(_ name: String, _ data: Data) throws -> String {
        let url = folder.appendingPathComponent(name)
        try data.write(to: url)
        XCTAssertEqual(try Data(contentsOf: url), data)
        return url.path
    }

    func session(_ language: Language = .en) -> Interpreter {
        Interpreter(language: language, environment: ["HOME": "/nonexistent"])
    }

    func ok(_ s: Interpreter, _ entry: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        let reply = s.execute(entry)
        XCTAssertFalse(reply.isError, "\(entry): \(reply.text)", file: file, line: line)
        return reply.text
    }

    func error(_ s: Interpreter, _ entry: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        let reply = s.execute(entry)
        XCTAssertTrue(reply.isError, "\(entry) should fail: \(reply.text)", file: file, line: line)
        return reply.text
    }

    /// A small language model: 16 characters in, logits for 4 characters at every step.
    func smallModel(_ s: Interpreter) {
        for line in ["input 16", "embedding 4 8", "lstm 24 sequences=yes bias=pytorch", "conv1d 4 1"] { _ = ok(s, line) }
    }

    func testAPeriodicTextIsLearnedAndWrittenBack() throws {
        let text = try write("abcd.txt", Data(String(repeating: "abcd", count: 200).utf8))
        let s = session()
        smallModel(s)
        let reply = ok(s, ":train data=\(text) epochs=12 batch=8 lr=0.02 clip=5")
        XCTAssertTrue(reply.contains("800 characters, 4 distinct, sequences of 16"), reply)
        XCTAssertTrue(reply.contains("epoch 12/12:"), reply)
        let run = try XCTUnwrap(s.run(of: s.current))
        XCTAssertEqual(run.vocabulary, ["a", "b", "c", "d"])
        XCTAssertEqual(run.epochs.count, 12)
        // Cross-entropy of a uniform guess over 4 characters is 2 bits; the cycle is learned well below it.
        XCTAssertGreaterThan(try XCTUnwrap(run.epochs.first).bitsPerCharacter, 1)
        XCTAssertLessThan(try XCTUnwrap(run.epochs.last).bitsPerCharacter, 0.5)
        // Nearly greedy sampling continues the cycle after the start text.
        let written = ok(s, ":sample 12 temperature=0.05 start=\"ab\"")
        XCTAssertEqual(written, "ab" + "cdabcdabcdab")
        // The same seed gives the same text; successive :sample without one differ in seed.
        XCTAssertEqual(ok(s, ":sample 40 temperature=5 seed=3"), ok(s, ":sample 40 temperature=5 seed=3"))
        XCTAssertEqual(ok(s, ":sample 40 temperature=5").count, 40)
        // A second :train continues from the same weights.
        let network = run.network
        let again = ok(s, ":train data=\(text) epochs=1 batch=8")
        XCTAssertTrue(again.contains("continues from the weights"), again)
        XCTAssertTrue(s.run(of: s.current)!.network === network)
        XCTAssertTrue(again.contains("epoch 13/13"), again)
    }

    func testTheCharLSTMPresetTakesTheFilesCharactersInSpanish() throws {
        let text = try write("refranes.txt", Data(String(repeating: "quien madruga, dios le ayuda. ", count: 6).utf8))
        let s = session(.es)
        _ = ok(s, ":preset char-lstm")
        let reply = ok(s, ":train datos=\(text) épocas=1 lote=4")
        XCTAssertTrue(reply.contains("char-lstm con los 17 caracteres de \(text): embedding 17 32 y conv1d 17 1"), reply)
        XCTAssertTrue(reply.contains("época 1/1:"), reply)
        XCTAssertTrue(reply.contains("bits por carácter"), reply)
        XCTAssertTrue(ok(s, ":model").contains("embedding 17 32"))
        let written = ok(s, ":genera 25 temperatura=0.8 inicio=\"quien \"")
        XCTAssertTrue(written.hasPrefix("quien "), written)
        XCTAssertEqual(written.count, 6 + 25)
        XCTAssertTrue(written.allSatisfy { "quienmadrugs,ol.y ".contains($0) }, written)
    }

    func testSampleErrorsNameTheProblem() throws {
        let s = session()
        XCTAssertTrue(error(s, ":sample 10").contains("has no layers yet"))
        for line in ["input 8x8x1", "flatten", "dense 4"] { _ = ok(s, line) }
        XCTAssertTrue(error(s, ":sample 10").contains("model `model` takes 8x8x1, not a sequence of character ids"))
        _ = ok(s, ":reset")
        smallModel(s)
        XCTAssertTrue(error(s, ":sample 10").contains("has not been trained on a text yet: first :train data=FILE.txt"))
        let text = try write("abcd.txt", Data(String(repeating: "abcd", count: 20).utf8))
        _ = ok(s, ":train data=\(text) epochs=1")
        for bad in ["0", "-3", "10001", "x", "1e3"] {
            XCTAssertTrue(error(s, ":sample \(bad)").contains("a whole number from 1 to 10000, not \(bad)"), bad)
        }
        XCTAssertTrue(error(s, ":sample").contains("usage: :sample N"))
        for bad in ["0", "-1", "abc", "nan", "inf", "101"] {
            XCTAssertTrue(error(s, ":sample 10 temperature=\(bad)").contains("the temperature is a number above 0 (up to 100), not \(bad)"), bad)
        }
        XCTAssertTrue(error(s, ":sample 10 start=\"abz\"").contains("start=: the character “z” does not appear in the training text"))
        XCTAssertTrue(error(s, ":sample 10 start=\"ab").contains("closing quote is missing"))
        XCTAssertTrue(error(s, ":sample 10 colour=red").contains("usage: :sample N"))
        _ = ok(s, ":lang es")
        XCTAssertTrue(error(s, ":sample 10 temperatura=0").contains("la temperatura es un número mayor que 0"))
        XCTAssertTrue(error(s, ":genera 20000").contains("un entero de 1 a 10000, no 20000"))
        XCTAssertTrue(error(s, ":sample 10 inicio=\"z\"").contains("inicio=: el carácter «z» no aparece en el texto de entrenamiento"))
    }

    func testTextFilesThatCannotBeLearnedFromAreErrorsInBothLanguages() throws {
        let empty = try write("empty.txt", Data())
        let latin1 = try write("latin1.txt", Data([0x61, 0xF1, 0x6F, 0xFF, 0xFE]))
        let short = try write("short.txt", Data("abcd".utf8))
        let five = try write("five.txt", Data(String(repeating: "abcde", count: 20).utf8))
        for (language, expected) in [(Language.en, ["there is no text file \(folder.path)/missing.txt",
                                                   "\(folder.path) is a folder: give a text file (UTF-8)",
                                                   "\(empty) is empty: there is no text to learn from",
                                                   "\(latin1) is not UTF-8 text",
                                                   "\(short) has 4 characters: at least 17 are needed",
                                                   "\(five) has 5 distinct characters and the model gives 4 per step: put 5 in `embedding` and in the last layer"]),
                                     (.es, ["no existe el archivo de texto \(folder.path)/missing.txt",
                                            "\(folder.path) es una carpeta: indica un archivo de texto (UTF-8)",
                                            "\(empty) está vacío: no hay texto del que aprender",
                                            "\(latin1) no es texto UTF-8",
                                            "\(short) tiene 4 caracteres: hacen falta al menos 17",
                                            "\(five) tiene 5 caracteres distintos y el modelo da 4 por paso"])] {
            let s = session(language)
            smallModel(s)
            let files = [folder.path + "/missing.txt", folder.path, empty, latin1, short, five]
            for (file, message) in zip(files, expected) {
                let reply = error(s, ":train data=\(file)")
                XCTAssertTrue(reply.contains(message), "\(language) \(file): \(reply)")
            }
            XCTAssertNil(s.run(of: s.current), "a failed :train leaves no weights")
        }
        // An image model given a text, and text-only or image-only options.
        let s = session()
        for line in ["input 8x8x1", "flatten", "dense 4"] { _ = ok(s, line) }
        XCTAssertTrue(error(s, ":train data=\(five)").contains("to learn a text it must read character ids (input N)"))
        XCTAssertTrue(error(s, ":train clip=5").contains("clip= is for training on a text"))
        _ = ok(s, ":reset")
        smallModel(s)
        XCTAssertTrue(error(s, ":train epochs=1").contains("which text?"))
        XCTAssertTrue(error(s, ":train data=\(five) augment=yes").contains("augment= is for images"))
        XCTAssertTrue(error(s, ":train data=\(five) clip=0").contains("clip must be positive"))
    }

    func testCtrlCStopsSamplingAndKeepsWhatWasWritten() throws {
        let text = try write("abcd.txt", Data(String(repeating: "abcd", count: 20).utf8))
        let s = session()
        smallModel(s)
        _ = ok(s, ":train data=\(text) epochs=1")
        var asked = 0
        s.interruptRequested = { asked += 1; return asked > 5 }
        let reply = ok(s, ":sample 5000 start=\"ab\"")
        XCTAssertTrue(reply.hasSuffix("\n(interrupted after 5 characters)"), reply)
        XCTAssertEqual(reply.split(separator: "\n").first?.count, 2 + 5)
    }

    func testCtrlCStopsTrainingOnATextAndKeepsTheWeights() throws {
        let text = try write("abcd.txt", Data(String(repeating: "abcd", count: 100).utf8))
        let s = session()
        smallModel(s)
        s.interruptRequested = { true }
        let reply = ok(s, ":train data=\(text) epochs=3 batch=4")
        XCTAssertTrue(reply.contains("training interrupted after 1 step; the weights trained so far are kept"), reply)
        XCTAssertEqual(s.run(of: s.current)?.steps, 1)
        XCTAssertEqual(s.run(of: s.current)?.epochs.count, 0)
        s.interruptRequested = { false }
        XCTAssertEqual(ok(s, ":sample 5").count, 5)
    }

    func testFrozenLayersStayFrozenWhileLearningAText() throws {
        let text = try write("abcd.txt", Data(String(repeating: "abcd", count: 50).utf8))
        let s = session()
        smallModel(s)
        _ = ok(s, ":freeze 0")
        let network = try XCTUnwrap(s.run(of: s.current)).network
        let embedding = network.nodes[0].layer.parameters[0].value
        let lstm = network.nodes[1].layer.parameters[0].value
        let reply = ok(s, ":train data=\(text) epochs=1 batch=4")
        XCTAssertTrue(reply.contains("continues from the weights"), reply)
        let trained = try XCTUnwrap(s.run(of: s.current))
        XCTAssertTrue(trained.network === network, "the network :freeze made is the one trained")
        XCTAssertEqual(trained.vocabulary, ["a", "b", "c", "d"])
        XCTAssertEqual(network.nodes[0].layer.parameters[0].value, embedding, "the frozen embedding stays")
        XCTAssertNotEqual(network.nodes[1].layer.parameters[0].value, lstm, "the LSTM trains")
    }

    func testFileNamesCompleteAfterData() throws {
        _ = try write("quijote.txt", Data("x".utf8))
        let s = session()
        let line = ":train data=\(folder.path)/qui"
        let (start, candidates) = s.completions(lineBeforeCursor: line)
        XCTAssertEqual(candidates, ["\(folder.path)/quijote.txt"])
        XCTAssertEqual(start, ":train data=".count)
        XCTAssertEqual(s.completions(lineBeforeCursor: ":train datos=\(folder.path)/qui").candidates.count, 1)
    }

    func testSampleIsCompletedAndHasHelp() {
        let s = session()
        XCTAssertTrue(s.completions(lineBeforeCursor: ":sam").candidates.contains(":sample"))
        XCTAssertEqual(s.completions(lineBeforeCursor: ":sample 300 te").candidates, ["temperature="])
        XCTAssertTrue(s.completions(lineBeforeCursor: ":train cl").candidates.contains("clip="))
        XCTAssertEqual(session(.es).completions(lineBeforeCursor: ":sample 300 in").candidates, ["inicio="])
        let en = s.execute(":help :sample").text, es = session(.es).execute(":help :sample").text
        XCTAssertTrue(en.contains("softmax(logits / temperature)"), en)
        XCTAssertTrue(en.hasPrefix(":sample N [temperature=0.8] [start=\"text\"] [seed=S]"), en)
        XCTAssertTrue(es.contains("softmax(logits / temperatura)"), es)
        XCTAssertTrue(s.execute(":help train").text.contains(":sample 300 temperature=0.8"))
    }
}
