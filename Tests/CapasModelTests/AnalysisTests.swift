import CapasCore
import CapasMessages
@testable import CapasModel
import XCTest

final class AnalysisTests: XCTestCase {
    func shapes(_ text: String) throws -> [String] {
        try ModelAnalysis(text: text).layers.map(\.outputShape.description)
    }

    /// The slides' shapes: 28x28x1 → conv 10@5x5 → 24x24x10 → maxpool 2 → 12x12x10 → conv 20@5x5 → 8x8x20.
    func testSlideShapes() throws {
        let a = try ModelAnalysis(text: "input 28x28x1\nconv 10 5x5\nmaxpool 2\nconv 20 5x5")
        XCTAssertEqual(a.layers.map(\.outputShape.description), ["24x24x10", "12x12x10", "8x8x20"])
        XCTAssertEqual(a.layers.map(\.parameters), [260, 0, 5020])
        let b = try ModelAnalysis(text: "input 32x32x3\nconv 16 5x5")
        XCTAssertEqual(b.output.description, "28x28x16")
        XCTAssertEqual(try b.totalParameters(), 16 * 5 * 5 * 3 + 16)
        XCTAssertEqual(try shapes("input 7x7x1\nconv 1 3x3"), ["5x5x1"])
        XCTAssertEqual(try shapes("input 7x7x1\nconv 1 3x3 pad=1"), ["7x7x1"])
        // 640 wide, 480 high: written height×width×channels.
        XCTAssertEqual(try shapes("input 480x640x1\nconv 32 3x3 stride=1 pad=1\nmaxpool 2"), ["480x640x32", "240x320x32"])
    }

    func testFlooringAndSamePadding() throws {
        // (7 + 0 − 3)/2 + 1 = 3: exact; (8 − 3)/2 + 1 = 3.5 → 3 (floored).
        XCTAssertEqual(try shapes("input 8x8x1\nconv 1 3x3 stride=2"), ["3x3x1"])
        // same: output ⌈n/s⌉ whatever the kernel.
        XCTAssertEqual(try shapes("input 28x28x1\nconv 4 5x5 pad=same"), ["28x28x4"])
        XCTAssertEqual(try shapes("input 28x28x1\nconv 4 3x3 stride=2 pad=same"), ["14x14x4"])
        XCTAssertEqual(try shapes("input 7x7x1\nconv 4 4x4 pad=same"), ["7x7x4"])
        let a = try ModelAnalysis(text: "input 7x7x1\nconv 4 4x4 pad=same")
        guard case let .conv(config) = a.layers[0].resolved else { return XCTFail() }
        XCTAssertEqual(config.padding, Padding2D(top: 1, bottom: 2, left: 1, right: 2))
    }

    func testKernelThatDoesNotFitExplainsWhy() throws {
        do {
            _ = try ModelAnalysis(text: "input 3x3x1\nconv 1 5x5")
            XCTFail("expected an error")
        } catch let e as ModelError {
            guard case let .shape(shapeError) = e.problem else { return XCTFail("\(e)") }
            XCTAssertEqual(shapeError, .kernelDoesNotFit(layer: "conv", axis: .width, input: 3, padBefore: 0, padAfter: 0,
                                                         kernel: 5, dilation: 1, stride: 1))
            let en = e.message(in: .en)
            XCTAssertTrue(en.contains("(n + 2p − f)/s + 1 = (3 + 2·0 − 5)/1 + 1"), en)
            XCTAssertTrue(en.contains("pad=1"), en)
            XCTAssertTrue(en.contains("line 2"), en)
            XCTAssertTrue(e.message(in: .es).contains("no cabe"))
        }
    }

    func testDenseAfterImageSuggestsFlatten() throws {
        do {
            _ = try ModelAnalysis(text: "input 4x4x20\ndense 10")
            XCTFail("expected an error")
        } catch let e as ModelError {
            XCTAssertTrue(e.message(in: .en).contains("Add `flatten` before it (4x4x20 = 320 values)"), e.message(in: .en))
        }
    }

    func testHugeSizesAreOverflowErrorsNotTraps() throws {
        for text in ["input 10000000000x10000000000x3\nflatten",
                     "input 100000000x100000000x3\nconv 100000000000 3x3",
                     "input 3037000500x3037000500x1\nconv 1 1x1",
                     "input 4611686018427387904x1x1\nconv 1 3x3 pad=4611686018427387904",
                     "input 10x10x9223372036854775807\ndepthwise 3x3 multiplier=2"] {
            XCTAssertThrowsError(try ModelAnalysis(text: text).totalMultiplyAdds(), text) { error in
                XCTAssertTrue(error is ModelError || error is ShapeError, "\(error)")
            }
        }
        // Big but representable: a correct big number.
        let big = try ModelAnalysis(text: "input 100000x100000x3\nconv 64 3x3 pad=1")
        XCTAssertEqual(try big.totalParameters(), (3 * 3 * 3 + 1) * 64)
        XCTAssertEqual(try big.totalMultiplyAdds(), 100_000 * 100_000 * 64 * 28)
    }

    /// torchinfo's counts for the reference models (../shared/anchors/results/param_counts.md).
    func testCountsMatchTorchinfo() throws {
        let expected: [String: (params: Int, macs: Int)] = [
            "fnn-small": (159_010, 159_010), "fnn-deep": (235_146, 235_146), "cnn-lenet": (21_840, 487_600),
            "cnn-medium": (421_642, 4_278_922), "cnn-cifar": (1_116_970, 25_627_402),
        ]
        for (name, counts) in expected {
            let a = try ModelAnalysis(text: try XCTUnwrap(Presets.text(named: name)))
            XCTAssertEqual(try a.totalParameters(), counts.params, name)
            XCTAssertEqual(try a.totalMultiplyAdds(), counts.macs, name)
        }
        let lenet = try ModelAnalysis(text: Presets.cnnLenet)
        XCTAssertEqual(lenet.layers.map(\.multiplyAdds), [149_760, 0, 0, 321_280, 0, 0, 0, 16_050, 0, 510])
        // State-dict names follow nn.Sequential's module indices.
        XCTAssertEqual(lenet.layers.map(\.name), (0..<10).map(String.init))
    }

    func testResidualAndConcatShapesAndNames() throws {
        let a = try ModelAnalysis(text: """
        input 8x8x16
        residual { conv 32 3x3 stride=2 pad=1; batchnorm } shortcut { conv 32 1x1 stride=2 }
        concat { branch { conv 8 1x1 } branch { maxpool 3 stride=1 pad=1 } branch { } }
        """)
        XCTAssertEqual(a.layers.map(\.name), ["0.body.0", "0.body.1", "0.shortcut.0", "0", "1.branches.0.0", "1.branches.1.0", "1"])
        XCTAssertEqual(a.output.description, "4x4x72")   // 8 + 32 + 32 channels
        XCTAssertEqual(a.layers[3].inputs, [1, 2])
        XCTAssertEqual(a.layers[6].inputs, [4, 5, 3])
        XCTAssertEqual(try a.totalBuffers(), 64)
        XCTAssertThrowsError(try ModelAnalysis(text: "input 8x8x16\nresidual { conv 32 3x3 pad=1 }"))
    }

    func testBuiltNetworkRunsWithTheAnalysedShapes() throws {
        // The presets that train and run in about a second at batch 2 (not VGG-16's
        // 15 billion multiply-adds per image).
        for preset in Presets.all {
            let (name, a) = (preset.name, try ModelAnalysis(text: preset.text))
            guard try a.totalMultiplyAdds() < 2_000_000_000 else { continue }
            let network = try a.makeNetwork(seed: 1)
            let x = Tensor(repeating: 1, shape: a.input.batched(2))   // 1: also a valid token id
            let y = try network.forward(x, mode: .evaluation)
            XCTAssertEqual(y.shape, a.output.batched(2), name)
            let trainable = network.trainableParameters.reduce(0) { $0 + $1.value.count }
            XCTAssertEqual(trainable, try a.totalParameters(), name)
        }
        let graph = try ModelAnalysis(text: """
        input 8x8x4
        residual { conv 4 3x3 pad=1; batchnorm; relu; conv 4 3x3 pad=1 }
        concat { branch { conv 2 1x1 } branch { avgpool 3 stride=1 pad=1 } }
        globalavgpool
        dense 3
        """)
        let network = try graph.makeNetwork(seed: 3)
        let y = try network.forward(Tensor(repeating: 1, shape: [2, 4, 8, 8]), mode: .training)
        XCTAssertEqual(y.shape, [2, 3])
        XCTAssertNotNil(network.backward(Tensor(repeating: 1, shape: [2, 3])))
    }

    func testDigitGroupingFollowsTheLanguage() {
        let nbsp = "\u{00A0}"
        XCTAssertEqual(grouped(61_100_840, language: .en), "61,100,840")
        XCTAssertEqual(grouped(61_100_840, language: .es), "61\(nbsp)100\(nbsp)840")
        XCTAssertEqual(grouped(-1_234_567, language: .es), "-1\(nbsp)234\(nbsp)567")
        XCTAssertEqual(grouped(5020, language: .en), "5,020")
        XCTAssertEqual(grouped(5020, language: .es), "5020")
        XCTAssertEqual(grouped(10_164, language: .es), "10\(nbsp)164")
        XCTAssertEqual(grouped(999, language: .es), "999")
        XCTAssertEqual(grouped(0, language: .es), "0")
        XCTAssertEqual(grouped(1000), "1,000")
        // Every group but the first has three digits, in both languages.
        for n in [1, 12, 123, 1234, 12345, 123456, 1234567, Int.max] {
            for (language, separator) in [(Language.en, ","), (.es, nbsp)] {
                let text = grouped(n, language: language)
                XCTAssertEqual(text.replacingOccurrences(of: separator, with: ""), String(n))
                let groups = text.components(separatedBy: separator)
                XCTAssertTrue(groups.dropFirst().allSatisfy { $0.count == 3 }, text)
            }
        }
    }

    func testSummaryInBothLanguages() throws {
        let a = try ModelAnalysis(text: Presets.cnnLenet)
        let en = try a.summary(language: .en)
        XCTAssertTrue(en.contains("conv 10 5x5  Conv2d     24x24x10     260    149,760"), en)
        XCTAssertTrue(en.contains("Trainable parameters: 21,840"))
        XCTAssertTrue(en.contains("Multiply-adds per image: 487,600"))
        let es = try a.summary(language: .es)
        // Spanish groups digits with a no-break space, and leaves four-digit numbers whole.
        XCTAssertTrue(es.contains("Parámetros entrenables: 21\u{00A0}840"), es)
        XCTAssertTrue(es.contains("conv 20 5x5  Conv2d     8x8x20          5020     321\u{00A0}280"), es)
        // Thousands are never grouped with a comma in Spanish; decimals take one (487,6k is 487.6k).
        XCTAssertNil(es.range(of: "[0-9],[0-9]{3}([^0-9]|$)", options: .regularExpression), es)
        XCTAssertTrue(es.contains("(≈ 975,2k FLOPs)"), es)
        let bn = try ModelAnalysis(text: "input 8x8x3\nconv 4 3x3\nbatchnorm").summary(language: .en)
        XCTAssertTrue(bn.contains("Non-trainable (batchnorm running means and variances): 8"), bn)
    }
}
