import CapasCore
import CapasMessages
import CapasModel
@testable import CapasREPL
import XCTest

/// The interpreter as a learner meets it: the slides' layers and numbers,
/// the calculator on the worked examples, errors that name the place, and
/// a fuzz run in which no line may trap.
final class InterpreterTests: XCTestCase {

    func run(_ lines: [String], _ language: Language = .en) -> [Reply] {
        let interpreter = Interpreter(language: language)
        return lines.map { interpreter.execute($0) }
    }

    func testSlideLayersShowShapesParametersAndFormulas() {
        let replies = run(["input 28x28x1", "conv 10 5x5", "maxpool 2", "conv 20 5x5"])
        XCTAssertFalse(replies.contains { $0.isError }, replies.map(\.text).joined(separator: "\n"))
        XCTAssertTrue(replies[1].text.contains("28x28x1 → 24x24x10"))
        XCTAssertTrue(replies[1].text.contains("(28 + 2·0 − 5)/1 + 1 = 23/1 + 1 = 24"))
        XCTAssertTrue(replies[1].text.contains("(5·5·1 + 1)·10 = 260"))
        XCTAssertTrue(replies[2].text.contains("24x24x10 → 12x12x10"))
        XCTAssertTrue(replies[3].text.contains("12x12x10 → 8x8x20"))
        let other = run(["input 32x32x3", "conv 16 5x5"])
        XCTAssertTrue(other[1].text.contains("32x32x3 → 28x28x16"))
        XCTAssertTrue(other[1].text.contains("(5·5·3 + 1)·16 = 1,216"))
        let big = run(["input 640x480x1", "conv 32 3x3 pad=1", "maxpool 2"])
        XCTAssertTrue(big[1].text.contains("640x480x1 → 640x480x32"), big[1].text)
        XCTAssertTrue(big[2].text.contains("640x480x32 → 320x240x32"))
    }

    func testFlooringIsExplainedAndAKernelThatDoesNotFitSuggestsPadding() {
        let replies = run(["input 7x7x1", "conv 1 2x2 stride=2", "conv 1 5x5"])
        XCTAssertTrue(replies[1].text.contains("⌊(7 + 2·0 − 2)/2⌋ + 1 = ⌊2.5⌋ + 1 = 3"), replies[1].text)
        XCTAssertTrue(replies[1].text.contains("on each axis no window reads the last image pixel"), replies[1].text)
        // Two pixels left over: (28 − 5) = 23 = 7·3 + 2.
        let two = run(["input 28x28x1", "conv 1 5x5 stride=3"], .es)
        XCTAssertTrue(two[1].text.contains("en cada eje ninguna ventana lee los 2 últimos píxeles de la imagen"), two[1].text)
        XCTAssertTrue(replies[2].isError)
        XCTAssertTrue(replies[2].text.contains("Use pad=1"), replies[2].text)
        XCTAssertTrue(replies[2].text.contains("^~~"), replies[2].text)
        // The failed line is not kept: the next layer sees 3x3x1.
        let interpreter = Interpreter(language: .es)
        for line in ["input 7x7x1", "conv 1 2x2 stride=2", "conv 1 5x5"] { _ = interpreter.execute(line) }
        XCTAssertTrue(interpreter.execute("conv 1 3x3").text.contains("3x3x1 → 1x1x1"))
        XCTAssertTrue(interpreter.execute("conv 1 2x2 stride=2").isError)
    }

    func testCalculatorReproducesTheWorkedExamples() {
        let replies = run([
            "A = [[1,1,1,0,0],[0,1,1,1,0],[0,0,1,1,1],[0,0,1,1,0],[0,1,1,0,0]]",
            "K = [[1,0,1],[0,1,0],[1,0,1]]",
            "C = conv(A, K)",
            ":step conv(A, K)",
            "B = [[1,1,0,0,1],[1,0,0,1,1],[0,0,1,1,1],[1,0,0,1,1],[1,1,0,0,1]]",
            "E = conv(B, [[-1,-1,-1],[-1,8,-1],[-1,-1,-1]], pad=1)",
            "maxpool([[1,1,2,4],[5,6,7,8],[3,2,1,0],[1,2,3,4]], 2)",
            "crossentropy(softmax([3.2, 5.1, -1.7]), 0)",
            "outsize(n=7, f=3, p=1, s=1)",
        ])
        XCTAssertFalse(replies.contains { $0.isError }, replies.map(\.text).joined(separator: "\n"))
        XCTAssertEqual(replies[2].text, "C =\n⎡ 4  3  4 ⎤\n⎢ 2  4  3 ⎥\n⎣ 2  3  4 ⎦")
        XCTAssertTrue(replies[3].text.contains("1×1 + 1×0 + 1×1 + 0×0 + 1×1 + 1×0 + 0×1 + 0×0 + 1×1 = 4"), replies[3].text)
        XCTAssertTrue(replies[5].text.contains("⎡  6   6  -2  -3   6 ⎤"), replies[5].text)
        XCTAssertTrue(replies[5].text.contains("⎣  6   6  -2  -3   6 ⎦"), replies[5].text)
        XCTAssertEqual(replies[6].text, "⎡ 6  8 ⎤\n⎣ 3  4 ⎦")
        XCTAssertTrue(replies[7].text.hasPrefix("2.04"), replies[7].text)
        XCTAssertTrue(replies[7].text.contains("0.88"), "the base-10 value is shown beside: \(replies[7].text)")
        XCTAssertTrue(replies[8].text.hasPrefix("7"))
    }

    func testSharpenKernelTopLeftIs320() throws {
        let interpreter = Interpreter(language: .en)
        _ = interpreter.execute("I = [[105,102,100,97,96],[103,99,103,101,102],[101,98,104,102,100],[99,101,106,104,99],[104,104,104,100,98]]")
        let reply = interpreter.execute(":step conv(I, [[0,-1,0],[-1,5,-1],[0,-1,0]], pad=1)")
        XCTAssertFalse(reply.isError, reply.text)
        XCTAssertTrue(reply.text.contains("0×0 + 0×-1 + 0×0 + 0×-1 + 105×5 + 102×-1 + 0×0 + 103×-1 + 99×0 = 320"), reply.text)
    }

    func testMultiChannelKernelSumsOverChannels() {
        let replies = run(["X = [[[1,2],[3,4]], [[1,0],[0,1]], [[2,2],[2,2]]]", "conv(X, [[[1]], [[10]], [[100]]])"])
        XCTAssertFalse(replies[1].isError, replies[1].text)
        XCTAssertEqual(replies[1].text, "⎡ 211  202 ⎤\n⎣ 203  214 ⎦")
    }

    func testErrorsNameThePlaceInBothLanguages() {
        for (language, word) in [(Language.en, "not defined"), (.es, "no está definido")] {
            let reply = run(["conv(Q, K)"], language)[0]
            XCTAssertTrue(reply.isError)
            XCTAssertTrue(reply.text.contains(word), reply.text)
            XCTAssertTrue(reply.text.contains("\n       ^") || reply.text.contains("^"), reply.text)
        }
        XCTAssertTrue(run(["[[1,2],[3]]"])[0].text.contains("same length"))
        XCTAssertTrue(run(["relu = 3"])[0].text.contains("name of a layer or function"))
        XCTAssertTrue(run([":summry"])[0].text.contains(":summary"))
        XCTAssertTrue(run(["conv 10 5x5"])[0].text.contains("input"))
        // A misspelt layer: the same error as in a model file, with the layer it resembles.
        XCTAssertTrue(run(["cnov 10 5x5"])[0].text.contains("did you mean `conv`?"))
        XCTAssertTrue(run(["maxpol 2"], .es)[0].text.contains("¿querías decir `maxpool`?"))
        XCTAssertFalse(run(["A 3"])[0].text.contains("did you mean"))
        XCTAssertFalse(run(["K = 1", "K 3"])[1].text.contains("did you mean"))
    }

    func testModelsCanBeNamedComparedUndoneAndPrinted() {
        let interpreter = Interpreter(language: .en)
        for line in ["input 28x28x1", "flatten", "dense 200 relu", "dense 10", ":new cnn", ":preset cnn-lenet"] {
            XCTAssertFalse(interpreter.execute(line).isError, line)
        }
        let comparison = interpreter.execute(":compare model cnn").text
        XCTAssertTrue(comparison.contains("159,010") && comparison.contains("21,840"), comparison)
        XCTAssertFalse(interpreter.execute(":use model").isError)
        XCTAssertTrue(interpreter.execute(":undo").text.contains("dense 10"))
        XCTAssertEqual(interpreter.execute(":model").text, "input 28x28x1\nflatten\ndense 200 relu")
    }

    func testSpanishGroupsDigitsWithSpacesAndEnglishWithCommas() {
        let nbsp = "\u{00A0}"
        for (language, separator) in [(Language.es, nbsp), (.en, ",")] {
            let interpreter = Interpreter(language: language)
            let input = interpreter.execute("input 224x224x3").text
            XCTAssertTrue(input.contains("150\(separator)528"), input)
            let layer = interpreter.execute("conv 64 11x11 stride=4 pad=2").text
            XCTAssertTrue(layer.contains("23\(separator)296"), layer)
            XCTAssertTrue(interpreter.execute(":explain 0").text.contains("193\(separator)600"))
            XCTAssertFalse(interpreter.execute(":preset alexnet").isError)
            let summary = interpreter.execute(":summary").text
            XCTAssertTrue(summary.contains("61\(separator)100\(separator)840"), summary)
            let models = interpreter.execute(":models").text
            XCTAssertTrue(models.contains("61\(separator)100\(separator)840"), models)
            XCTAssertFalse(interpreter.execute(":new lenet").isError)
            XCTAssertFalse(interpreter.execute(":preset cnn-lenet").isError)
            let comparison = interpreter.execute(":compare model lenet").text
            XCTAssertTrue(comparison.contains("714\(separator)682\(separator)664"), comparison)
            XCTAssertTrue(comparison.contains("21\(separator)840"), comparison)
            if language == .es {
                // No English thousands separator (a decimal comma, 233,1 MiB, is Spanish).
                XCTAssertNil((summary + comparison).range(of: "[0-9],[0-9]{3}([^0-9]|$)", options: .regularExpression), summary + comparison)
            }
        }
        // The calculator still reads and prints plain numbers.
        let calculator = Interpreter(language: .es)
        XCTAssertEqual(calculator.execute("params(f=11, c=3, k=64)").text.split(separator: "\n").first, "23296")
        XCTAssertEqual(calculator.execute("1000000 + 1").text, "1000001")
    }

    func testPresetsListsEveryPresetWithItsParametersAndDescription() throws {
        for language in Language.allCases {
            let reply = run([":presets"], language)[0]
            XCTAssertFalse(reply.isError, reply.text)
            let lines = reply.text.split(separator: "\n").map(String.init)
            for preset in Presets.all {
                let matching = lines.filter { $0.hasPrefix(preset.name + " ") }
                XCTAssertEqual(matching.count, 1, "\(preset.name): \(reply.text)")
                guard let line = matching.first else { continue }
                let analysis = try ModelAnalysis(text: preset.text)
                XCTAssertTrue(line.hasSuffix(preset.describe(language)), line)
                XCTAssertTrue(line.contains(" " + grouped(try analysis.totalParameters(), language: language) + "  "), line)
                XCTAssertTrue(line.contains(" \(analysis.input) "), line)
            }
            // One header, one line per preset, one line saying how to load one.
            XCTAssertEqual(lines.count, Presets.all.count + 2)
            XCTAssertTrue(lines.last!.contains(":preset"))
        }
        let es = run([":presets"], .es)[0].text, en = run([":presets"], .en)[0].text
        XCTAssertTrue(es.contains("61\u{00A0}100\u{00A0}840") && es.contains("LeCun et al., 1998"), es)
        XCTAssertTrue(en.contains("61,100,840") && en.contains("as in torchvision"), en)
        XCTAssertTrue(es.contains("como en torchvision"))
    }

    func testContinuationWaitsForClosingBrackets() {
        let interpreter = Interpreter(language: .en)
        XCTAssertTrue(interpreter.needsContinuation("A = [[1, 2],"))
        XCTAssertFalse(interpreter.needsContinuation("A = [[1, 2],\n[3, 4]]"))
        XCTAssertTrue(interpreter.needsContinuation("residual {"))
        XCTAssertFalse(interpreter.needsContinuation("# [ in a comment"))
    }

    func testNotebookRunWritesOutputsAndReplacesOldOnes() {
        let text = "# Title\n\n```capas\ninput 28x28x1\nconv 10 5x5\n```\n\nprose\n\n```capas\nA = [[1,2],\n[3,4]]\n```\n\n```output\nstale\n```\nend\n"
        let (result, failures) = Notebook(text: text).run(with: Interpreter(language: .en), keepGoing: false)
        XCTAssertTrue(failures.isEmpty)
        XCTAssertTrue(result.contains("```output\ninput 28x28x1 (784 values)\n[0] conv 10 5x5"), result)
        XCTAssertFalse(result.contains("stale"))
        XCTAssertTrue(result.hasSuffix("end\n"))
        // Running the result again gives the same text: outputs are replaced, not stacked.
        XCTAssertEqual(Notebook(text: result).run(with: Interpreter(language: .en), keepGoing: false).text, result)
        let broken = "```capas\ninput 28x28x1\nconv 10 50x50\n```\n"
        let (_, errors) = Notebook(text: broken).run(with: Interpreter(language: .en), keepGoing: false)
        XCTAssertEqual(errors.first?.line, 3)
    }

    /// A model error in a notebook names the file's line and column, and its
    /// caret line carries the file's line number; at the prompt it stays line 1.
    func testNotebookModelErrorsNameTheFileLine() {
        let text = "# t\n\n```capas\ninput 28x28x1\nconv 8 3x3 strde=2\n```\n"
        for (language, phrase) in [(Language.en, "error at line 5, column 12:"), (.es, "error en la línea 5, columna 12:")] {
            let (_, failures) = Notebook(text: text).run(with: Interpreter(language: language), keepGoing: false)
            XCTAssertEqual(failures.count, 1)
            guard let failure = failures.first else { continue }
            XCTAssertEqual(failure.line, 5)
            XCTAssertTrue(failure.isPlaced)
            XCTAssertTrue(failure.message.hasPrefix(phrase), failure.message)
            XCTAssertTrue(failure.message.contains("\n 5 | conv 8 3x3 strde=2\n   |            ^~~~~~~"), failure.message)
        }
        let prompt = Interpreter(language: .en)
        _ = prompt.execute("input 28x28x1")
        XCTAssertTrue(prompt.execute("conv 8 3x3 strde=2").text.hasPrefix("error at line 1, column 12:"))
        // An error found in an earlier layer when a new input line re-analyses the
        // model keeps the model's numbering: the notebook names the entry's line.
        let reinput = "```capas\ninput 28x28x1\nconv 8 5x5\n```\n\n```capas\ninput 3x3x1\n```\n"
        let (_, failures) = Notebook(text: reinput).run(with: Interpreter(language: .en), keepGoing: false)
        XCTAssertEqual(failures.first?.line, 7)
        XCTAssertEqual(failures.first?.isPlaced, false, failures.first?.message ?? "")
    }

    /// 100,000 random and mutated lines: every one gets a reply, nothing traps.
    func testFuzzNoLineCrashes() {
        var gen = SeededGenerator(seed: 99)
        let seeds = ["input 28x28x1", "conv 10 5x5 stride=2 pad=same relu", "maxpool 2", "dense 10", "flatten",
                     "A = [[1,2,3],[4,5,6]]", "conv(A, [[1,0],[0,1]], stride=1, pad=1)", "softmax([1,2,3])",
                     "crossentropy([0.2,0.8], 1)", "outsize(n=28, f=5, p=0, s=1)", "params(f=3, c=3, k=8)",
                     ":summary", ":explain 1", ":undo", ":step conv(A, [[1]])", ":model", "residual { conv 8 3x3 pad=1 }",
                     "input 100000000x100000000x3", "maxpool(A, 2)", "B = A * 2 - A / 3 ^ 2", ":compare model x"]
        let alphabet = Array("[](){},=:.-+*/^x0123456789 abcdefghijklmnopqrstuvwxyz_#;\n×ñ")
        let interpreter = Interpreter(language: .en)
        var errors = 0
        for i in 0..<100_000 {
            var line = Array(seeds[Int(gen.next() % UInt64(seeds.count))])
            let edits = Int(gen.next() % 4)
            for _ in 0..<edits where !line.isEmpty {
                let at = Int(gen.next() % UInt64(line.count))
                switch gen.next() % 3 {
                case 0: line.remove(at: at)
                case 1: line.insert(alphabet[Int(gen.next() % UInt64(alphabet.count))], at: at)
                default: line[at] = alphabet[Int(gen.next() % UInt64(alphabet.count))]
                }
            }
            if i % 1000 == 0 { _ = interpreter.execute(":reset") }
            let reply = interpreter.execute(String(line))
            if reply.isError { errors += 1; XCTAssertFalse(reply.text.isEmpty) }
        }
        // The mutations must reach both outcomes, or the fuzz tests nothing.
        XCTAssertGreaterThan(errors, 1000)
        XCTAssertLessThan(errors, 100_000)
    }
}

final class CompletionTests: XCTestCase {
    func testCompletesCommandsLayersOptionsPresetsVariablesAndFiles() throws {
        let interpreter = Interpreter(language: .en)
        _ = interpreter.execute("kernel = [[1,0],[0,1]]")
        XCTAssertEqual(interpreter.completions(lineBeforeCursor: ":sum").candidates, [":summary"])
        // Layers (with their aliases) and the calculator's max().
        XCTAssertEqual(interpreter.completions(lineBeforeCursor: "max").candidates, ["max", "maxout", "maxpool", "maxpool1d", "maxpool2d"])
        XCTAssertEqual(interpreter.completions(lineBeforeCursor: "conv 10 5x5 str").candidates, ["stride="])
        XCTAssertEqual(interpreter.completions(lineBeforeCursor: ":preset cnn-l").candidates, ["cnn-lenet"])
        XCTAssertEqual(interpreter.completions(lineBeforeCursor: ":show fash").candidates, ["fashion-mnist"])
        XCTAssertEqual(interpreter.completions(lineBeforeCursor: ":train epochs=2 ba").candidates, ["batch="])
        XCTAssertEqual(Interpreter(language: .es).completions(lineBeforeCursor: ":entrena ép").candidates, ["épocas="])
        _ = interpreter.execute(":preset cnn-lenet")
        XCTAssertEqual(interpreter.completions(lineBeforeCursor: ":filters ").candidates, ["0", "3"])
        XCTAssertEqual(interpreter.completions(lineBeforeCursor: ":show cifar10 t").candidates, ["test", "train"])
        XCTAssertEqual(Interpreter(language: .es).completions(lineBeforeCursor: ":muestra fashion-mnist p").candidates, ["prueba"])
        let r = interpreter.completions(lineBeforeCursor: "conv(ker")
        XCTAssertEqual(r.candidates, ["kernel"])
        XCTAssertEqual(r.wordStart, 5)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("capas-completion-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertTrue(FileManager.default.createFile(atPath: dir.appendingPathComponent("lenet.capas").path, contents: Data()))
        XCTAssertEqual(interpreter.completions(lineBeforeCursor: ":load \(dir.path)/le").candidates, ["\(dir.path)/lenet.capas"])
    }
}
