import Foundation
import XCTest

/// `capas train char-lstm --data FILE.txt` and `capas sample`, end to end.
final class CharCommandTests: XCTestCase {
    func testTrainThenSample() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("char-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        try String(repeating: "el sol sale; la luna mira. ", count: 20).write(
            to: folder.appendingPathComponent("texto.txt"), atomically: true, encoding: .utf8)

        let train = try runCapas(["train", "char-lstm", "--data", "texto.txt", "--seq", "8", "--epochs", "2",
                                  "--clip", "1", "--out", "run", "--lang", "en"], in: folder)
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stdout.contains("13 distinct, sequences of 8"), train.stdout)
        XCTAssertTrue(train.stdout.contains("epoch 2/2: "), train.stdout)
        XCTAssertTrue(train.stdout.contains(" bits per character, "), train.stdout)
        // PyTorch's parameter names, under the layer's index.
        let header = String(decoding: try Data(contentsOf: folder.appendingPathComponent("run/model.safetensors")).prefix(4096),
                            as: UTF8.self)
        for name in ["1.weight_ih_l0", "1.weight_hh_l0", "1.bias_ih_l0", "1.bias_hh_l0"] {
            XCTAssertTrue(header.contains(name), name)
        }

        let sample = try runCapas(["sample", "run", "--length", "50", "--seed", "2", "--prime", "la ", "--temperature", "0.5"],
                                  in: folder)
        XCTAssertEqual(sample.status, 0, sample.stderr)
        let text = sample.stdout.hasSuffix("\n") ? String(sample.stdout.dropLast()) : sample.stdout
        XCTAssertTrue(text.hasPrefix("la "), text)
        XCTAssertEqual(text.count, 53, text)
        XCTAssertTrue(text.allSatisfy { "el sol sale; la luna mira.".contains($0) }, text)
        let again = try runCapas(["sample", "run", "--length", "50", "--seed", "2", "--prime", "la ", "--temperature", "0.5"],
                                 in: folder)
        XCTAssertEqual(again.stdout, sample.stdout, "the same seed writes the same text")

        let unknown = try runCapas(["sample", "run", "--prime", "xyz", "--lang", "es"], in: folder)
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("el carácter «x» no aparece en el texto de entrenamiento"), unknown.stderr)

        let short = try runCapas(["train", "char-lstm", "--data", "texto.txt", "--seq", "4000", "--lang", "en"], in: folder)
        XCTAssertNotEqual(short.status, 0)
        XCTAssertTrue(short.stderr.contains("texto.txt has 540 characters: at least 4001 are needed"), short.stderr)

        let notModel = try runCapas(["sample", "texto.txt", "--lang", "en"], in: folder)
        XCTAssertNotEqual(notModel.status, 0)
    }
}
