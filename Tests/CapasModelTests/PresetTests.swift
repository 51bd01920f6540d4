import CapasCore
import CapasMessages
@testable import CapasModel
import XCTest

/// The predefined models: torchvision's parameter counts and torchinfo's
/// multiply-adds (from /work/shared/anchors/results/param_counts.md, made by
/// param_counts.py with torchvision 0.29 and torchinfo 1.8: 224x224x3, batch 1,
/// GoogLeNet with aux_logits=False), worked out from the model text alone.
final class PresetTests: XCTestCase {
    func analysis(_ name: String) throws -> ModelAnalysis {
        try ModelAnalysis(text: try XCTUnwrap(Presets.text(named: name), name))
    }
    func parameters(_ name: String) throws -> Int { try analysis(name).totalParameters() }
    func multiplyAdds(_ name: String) throws -> Int { try analysis(name).totalMultiplyAdds() }

    // MARK: torchvision's parameter counts, one assertion each

    func testAlexNetParameters() throws { XCTAssertEqual(try parameters("alexnet"), 61_100_840) }
    func testVGG16Parameters() throws { XCTAssertEqual(try parameters("vgg16"), 138_357_544) }
    func testGoogLeNetParameters() throws { XCTAssertEqual(try parameters("googlenet"), 6_624_904) }
    func testResNet18Parameters() throws { XCTAssertEqual(try parameters("resnet18"), 11_689_512) }
    func testMobileNetV2Parameters() throws { XCTAssertEqual(try parameters("mobilenet_v2"), 3_504_872) }

    // MARK: torchinfo's multiply-adds (a bias or a batch-norm γ/β counts one per output)

    func testTorchinfoMultiplyAdds() throws {
        XCTAssertEqual(try multiplyAdds("alexnet"), 714_682_664)
        XCTAssertEqual(try multiplyAdds("vgg16"), 15_483_821_032)
        XCTAssertEqual(try multiplyAdds("googlenet"), 1_498_391_752)
        XCTAssertEqual(try multiplyAdds("resnet18"), 1_814_083_944)
        XCTAssertEqual(try multiplyAdds("mobilenet_v2"), 300_809_384)
    }

    /// Batch norm's running means and variances (torchvision's buffers, without num_batches_tracked).
    func testBatchNormBuffers() throws {
        XCTAssertEqual(try analysis("googlenet").totalBuffers(), 14_560)
        XCTAssertEqual(try analysis("resnet18").totalBuffers(), 9_600)
        XCTAssertEqual(try analysis("mobilenet_v2").totalBuffers(), 34_112)
    }

    func testClassicShapes() throws {
        let alexnet = try analysis("alexnet")
        XCTAssertEqual(alexnet.layers.first { $0.spec?.text == "flatten" }?.inputShape.description, "6x6x256")
        let googlenet = try analysis("googlenet")
        // ceil=yes: 112 → 56 → 28 → 14 → 7, as torchvision's ceil_mode=True.
        let pooled = googlenet.layers.filter { $0.depth == 0 && $0.spec?.text.hasPrefix("maxpool") == true }
        XCTAssertEqual(pooled.map(\.outputShape.description), ["56x56x64", "28x28x192", "14x14x480", "7x7x832"])
        XCTAssertEqual(googlenet.layers.filter { $0.resolved == .concat }.map(\.outputShape.channels),
                       [256, 480, 512, 512, 512, 528, 832, 832, 1024])
        XCTAssertEqual(try analysis("resnet18").layers.filter { $0.resolved == .add }.count, 8)
        XCTAssertEqual(try analysis("mobilenet_v2").layers.filter { $0.resolved == .add }.count, 10)
    }

    // MARK: the course's examples

    /// 156 + 2,416 + 48,120 + 10,164 + 850 = 61,706.
    func testLeNet5() throws {
        let a = try analysis("lenet5")
        XCTAssertEqual(try a.totalParameters(), 61_706)
        XCTAssertEqual(a.layers.map(\.parameters).filter { $0 > 0 }, [156, 2_416, 48_120, 10_164, 850])
        XCTAssertEqual(a.layers.map(\.outputShape.description),
                       ["28x28x6", "28x28x6", "14x14x6", "10x10x16", "10x10x16", "5x5x16", "400",
                        "120", "120", "84", "84", "10"])
        // 28·28·156 + 10·10·2,416 + 48,120 + 10,164 + 850
        XCTAssertEqual(try a.totalMultiplyAdds(), 423_038)
    }

    /// The Inception lesson: 120.4 million multiply-adds directly, 12.5 million through a 1x1 bottleneck.
    func testOneByOneBottleneck() throws {
        let a = try analysis("onebyone")
        let branch0 = a.layers.filter { $0.name.hasPrefix("0.branches.0.") }
        let branch1 = a.layers.filter { $0.name.hasPrefix("0.branches.1.") }
        XCTAssertEqual(branch0.map(\.multiplyAdds).reduce(0, +), 120_447_488)   // 28·28·32·(5·5·192 + 1)
        XCTAssertEqual(branch1.map(\.multiplyAdds).reduce(0, +), 12_481_280)    // 28·28·16·193 + 28·28·32·401
        XCTAssertEqual(branch0.map(\.parameters).reduce(0, +), 153_632)
        XCTAssertEqual(branch1.map(\.parameters).reduce(0, +), 15_920)
        XCTAssertEqual(a.output.description, "28x28x64")
    }

    func testSequencePresets() throws {
        let text = try analysis("text-cnn")
        XCTAssertEqual(try text.totalParameters(), 6_360_902)
        XCTAssertEqual(text.layers[0].outputShape.description, "60x300")   // 60 steps of 300 channels
        XCTAssertEqual(text.layers.first { $0.resolved == .concat }?.outputShape.description, "300")
        // Chollet's Keras counts (SimpleRNN and LSTM with one bias per gate).
        XCTAssertEqual(try parameters("simple-rnn"), 322_113)
        XCTAssertEqual(try parameters("lstm"), 328_353)
        XCTAssertEqual(try multiplyAdds("simple-rnn"), 500 * 2_080 + 33)
        XCTAssertEqual(try multiplyAdds("lstm"), 500 * 8_320 + 33)
    }

    // MARK: every preset

    func testEveryPresetAnalyzesAndRoundTrips() throws {
        XCTAssertEqual(Set(Presets.all.map(\.name)).count, Presets.all.count, "names are unique")
        for preset in Presets.all {
            let a = try ModelAnalysis(text: preset.text)
            XCTAssertGreaterThan(try a.totalParameters(), 0, preset.name)
            _ = try a.totalMultiplyAdds()
            _ = try a.summary(language: .es)
            for layer in a.layers { _ = layer.explanation(language: .en) }
            // The canonical text parses back to itself and to the same counts.
            let canonical = try ModelText(parsing: preset.text).text
            XCTAssertEqual(try ModelText(parsing: canonical).text, canonical, preset.name)
            let again = try ModelAnalysis(text: canonical)
            XCTAssertEqual(again.layers.map(\.resolved), a.layers.map(\.resolved), preset.name)
            XCTAssertEqual(again.layers.map(\.name), a.layers.map(\.name), preset.name)
            XCTAssertFalse(preset.describe(.es).isEmpty || preset.describe(.en).isEmpty, preset.name)
            XCTAssertNotEqual(preset.describe(.es), preset.describe(.en), preset.name)
            XCTAssertEqual(Presets.named(preset.name.uppercased())?.name, preset.name)
        }
    }

    // MARK: golden summaries of the small presets

    func testLeNet5Summary() throws {
        XCTAssertEqual(try analysis("lenet5").summary(language: .en), """
        layer        type       output    params  mult-adds
        ───────────────────────────────────────────────────
        input                   32x32x1
        conv 6 5x5   Conv2d     28x28x6      156    122,304
        tanh         Tanh       28x28x6        0          0
        avgpool 2    AvgPool2d  14x14x6        0          0
        conv 16 5x5  Conv2d     10x10x16   2,416    241,600
        tanh         Tanh       10x10x16       0          0
        avgpool 2    AvgPool2d  5x5x16         0          0
        flatten      Flatten    400            0          0
        dense 120    Linear     120       48,120     48,120
        tanh         Tanh       120            0          0
        dense 84     Linear     84        10,164     10,164
        tanh         Tanh       84             0          0
        dense 10     Linear     10           850        850
        ───────────────────────────────────────────────────
        Trainable parameters: 61,706
        Multiply-adds per image: 423,038 (≈ 846.1k FLOPs)
          (torchinfo's convention: a bias counts as one multiply-add per output value)
        Memory: parameters 241 KiB, activations 58.6 KiB per batch of 1

        """)
    }

    func testLSTMSummary() throws {
        XCTAssertEqual(try analysis("lstm").summary(language: .es), """
        capa                tipo       salida  parámetros  mult-sumas
        ─────────────────────────────────────────────────────────────
        input                          500
        embedding 10000 32  Embedding  500x32     320 000           0
        lstm 32             LSTM       32            8320   4 160 000
        dense 1             Linear     1               33          33
        sigmoid             Sigmoid    1                0           0
        ─────────────────────────────────────────────────────────────
        Parámetros entrenables: 328 353
        Multiplicaciones-sumas por imagen: 4 160 033 (≈ 8,3M FLOPs)
          (convención de torchinfo: el sesgo cuenta una multiplicación-suma por valor de salida)
        Memoria: parámetros 1,3 MiB, activaciones 62,6 KiB por lote de 1

        """)
    }
}
