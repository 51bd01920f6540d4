import CapasCore
import CapasMessages
@testable import CapasModel
import XCTest

final class ParserTests: XCTestCase {
    func testCourseModelParsesAndPrintsBack() throws {
        let text = """
        input 28x28x1
        conv 10 5x5 stride=1 pad=0   # the slide's first layer
        relu
        maxpool 2
        conv 20 5x5
        relu
        maxpool 2
        flatten
        dense 50
        relu
        dense 10
        """
        let model = try ModelText(parsing: text)
        XCTAssertEqual(model.input, .image(height: 28, width: 28, channels: 1))
        XCTAssertEqual(model.items.count, 10)
        // Defaults are omitted when printing: stride=1 pad=0 disappear.
        XCTAssertTrue(model.text.contains("conv 10 5x5\nrelu\nmaxpool 2\n"), model.text)
        XCTAssertEqual(try ModelText(parsing: model.text).text, model.text)
    }

    func testInlineActivationsAndOptions() throws {
        let model = try ModelText(parsing: "input 32x32x3\nconv 32 3x3 pad=same stride=2 relu\ndense 10 softmax")
        guard case let .layer(conv) = model.items[0], case let .conv(spec) = conv.spec else { return XCTFail() }
        XCTAssertEqual(spec.filters, 32)
        XCTAssertEqual(spec.padding, .same)
        XCTAssertEqual(spec.stride, Size2D(2, 2))
        XCTAssertEqual(conv.activation, .activation(.relu))
        guard case let .layer(dense) = model.items[1] else { return XCTFail() }
        XCTAssertEqual(dense.activation, .softmax)
        XCTAssertEqual(conv.text, "conv 32 3x3 stride=2 pad=same relu")
    }

    func testEveryLayerRoundTrips() throws {
        let lines = [
            "conv 8 3x5 stride=2x1 pad=1x2 dilation=2 groups=2 bias=no", "depthwise 3x3 stride=2 pad=1",
            "depthwise 3x3 multiplier=2", "maxpool 3 stride=2 pad=1", "avgpool 2 stride=1", "avgpool 3x2", "globalavgpool", "flatten",
            "dense 10 bias=no", "relu", "leakyrelu", "leakyrelu 0.2", "elu", "elu 0.5", "sigmoid", "tanh", "softmax",
            "logsoftmax", "maxout 2", "batchnorm", "batchnorm momentum=0.01 eps=0.001", "dropout 0.25",
        ]
        for line in lines {
            let model = try ModelText(parsing: "input 16x16x4\n" + line)
            XCTAssertEqual(model.text, "input 16x16x4\n\(line)\n", line)
        }
        let conv1d = try ModelText(parsing: "input 100x16\nconv1d 32 5 stride=2 pad=2 relu")
        XCTAssertEqual(conv1d.text, "input 100x16\nconv1d 32 5 stride=2 pad=2 relu\n")
    }

    func testAliasesFromPyTorchAndKeras() throws {
        let model = try ModelText(parsing: "input 8x8x1\nConv2d 4 3x3\nBatchNorm2d\nReLU\nMaxPool2d 2\nFlatten\nLinear 10")
        XCTAssertEqual(model.text, "input 8x8x1\nconv 4 3x3\nbatchnorm\nrelu\nmaxpool 2\nflatten\ndense 10\n")
    }

    func testBlocksRoundTrip() throws {
        let text = """
        input 56x56x64
        residual {
          conv 128 3x3 stride=2 pad=1
          batchnorm
          relu
          conv 128 3x3 pad=1
          batchnorm
        } shortcut {
          conv 128 1x1 stride=2
          batchnorm
        }
        relu
        concat {
          branch {
            conv 32 1x1 relu
          }
          branch {
            maxpool 3 stride=1 pad=1
            conv 32 1x1
          }
        }

        """
        let model = try ModelText(parsing: text)
        XCTAssertEqual(model.text, text)
        // One-line forms with `;` parse to the same model.
        let compact = try ModelText(parsing: """
        input 56x56x64
        residual { conv 128 3x3 stride=2 pad=1; batchnorm; relu; conv 128 3x3 pad=1; batchnorm }
        shortcut { conv 128 1x1 stride=2; batchnorm }
        relu
        concat { branch { conv 32 1x1 relu } branch { maxpool 3 stride=1 pad=1; conv 32 1x1 } }
        """)
        XCTAssertEqual(compact.text, text)
    }

    // MARK: errors carry the place and the text

    func error(_ text: String) -> ModelError? {
        do { _ = try ModelAnalysis(text: text); return nil } catch let e as ModelError { return e } catch { return nil }
    }

    func testUnknownLayerSuggestsTheNearestName() throws {
        let e = try XCTUnwrap(error("input 28x28x1\ncnov 10 5x5"))
        XCTAssertEqual(e.span, SourceSpan(line: 2, column: 1, length: 4))
        XCTAssertEqual(e.problem, .unknownLayer("cnov", suggestion: "conv"))
        let en = e.message(in: .en), es = e.message(in: .es)
        XCTAssertTrue(en.contains("line 2, column 1: unknown layer `cnov`"), en)
        XCTAssertTrue(en.contains(" 2 | cnov 10 5x5\n   | ^~~~"), en)
        XCTAssertTrue(en.contains("did you mean `conv`?"), en)
        XCTAssertTrue(es.contains("línea 2, columna 1: capa desconocida `cnov`"), es)
        XCTAssertTrue(es.contains("¿querías decir `conv`?"), es)
    }

    func testBadValuesPointAtTheWord() throws {
        var e = try XCTUnwrap(error("input 28x28x1\nconv 10 5y5"))
        XCTAssertEqual(e.span?.column, 9)
        XCTAssertEqual(e.problem, .badSize("5y5", what: .kernel))
        e = try XCTUnwrap(error("input 28x28x1\nconv 10 5x5 strid=2"))
        XCTAssertEqual(e.problem, .unknownOption(layer: "conv", option: "strid", valid: ["stride", "pad", "dilation", "bias", "groups"]))
        XCTAssertEqual(e.span?.column, 13)
        e = try XCTUnwrap(error("input 28x28x1\nconv 10"))
        XCTAssertEqual(e.problem, .missingArgument(layer: "conv", what: .kernel, example: "conv 10 5x5"))
        XCTAssertEqual(e.span?.line, 2)
        e = try XCTUnwrap(error("input 28x28x1\nflatten\ndropout 1.5"))
        XCTAssertEqual(e.problem, .badNumber("1.5", what: .probability))
        e = try XCTUnwrap(error("input 28x28x1\nconv 10 5x5 stride=2 stride=1"))
        XCTAssertEqual(e.problem, .duplicateOption("stride"))
        e = try XCTUnwrap(error("input 28x28x1\nconv 0 5x5"))
        XCTAssertEqual(e.problem, .badNumber("0", what: .filters))
        e = try XCTUnwrap(error("input 28x28x1\nrelu extra"))
        XCTAssertEqual(e.problem, .unexpected("extra"))
    }

    func testStructuralErrors() throws {
        XCTAssertEqual(error("conv 10 5x5")?.problem, .missingInput)
        XCTAssertEqual(error("input 28x28x1")?.problem, .emptyModel)
        XCTAssertEqual(error("input 28x28x1\ninput 28x28x1\nflatten")?.problem, .duplicateInput)
        XCTAssertEqual(error("input 28x28x1\nresidual {\nrelu\n")?.problem, .unclosedBlock("residual"))
        XCTAssertEqual(error("input 28x28x1\nrelu\n}")?.problem, .unexpectedClose)
        XCTAssertEqual(error("input 28x28x1\nbranch { relu }")?.problem, .branchOutsideConcat)
        XCTAssertEqual(error("input 28x28x1\nresidual { }")?.problem, .emptyBlock("residual"))
        XCTAssertEqual(error("input 28x28")?.problem, .emptyModel)
        XCTAssertEqual(error("input 28x28x0\nflatten")?.problem, .badSize("28x28x0", what: .size))
        XCTAssertEqual(error("input 99999999999999999999x2x1\nflatten")?.problem, .badSize("99999999999999999999x2x1", what: .size))
    }

    /// Random and mutated lines: every one parses or throws a ModelError; nothing traps.
    func testFuzzedTextNeverCrashes() {
        var generator = SeededGenerator(seed: 7)
        let pieces = ["input", "conv", "dense", "maxpool", "residual", "concat", "branch", "shortcut", "{", "}", ";",
                      "28x28x1", "5x5", "3", "0", "-1", "x", "1x", "pad=", "pad=same", "stride=0", "groups=3", "#",
                      "relu", "99999999999999999999", "3x3x3x3", "=", "dropout", "0.5", "nan", "inf", "\n", "×", "ñ",
                      "depthwise", "multiplier=9223372036854775807", "dilation=4611686018427387904", "flatten", "conv1d",
                      "lstm", "rnn", "embedding", "sequences=yes", "bias=pytorch", "ceil=yes", "globalmaxpool", "relu6",
                      "200x8", "9223372036854775807"]
        for _ in 0..<20_000 {
            let count = Int(generator.next() % 12) + 1
            let text = (0..<count).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined(separator: " ")
            do { _ = try ModelAnalysis(text: text) } catch is ModelError {} catch {
                XCTFail("unexpected error type \(error) for \(text)")
            }
        }
    }
}
