import CapasCore
import CapasMessages
import CapasModel
@testable import CapasTraining
import Foundation
import XCTest

final class CharTextTests: XCTestCase {
    func temporaryFile(_ data: Data) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("chartext-\(UUID().uuidString).txt")
        try data.write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    func testVocabularyAndNextCharacterTargets() throws {
        let text = CharText(text: "el niño añora el mar; el mar no añora")
        XCTAssertEqual(text.vocabulary, Array(Set("el niño añora el mar; el mar no añora")).sorted())
        XCTAssertEqual(text.ids.count, 37)
        let batches = text.batches(length: 5, batchSize: 3, seed: 1, epoch: 1)
        XCTAssertEqual(batches.reduce(0) { $0 + $1.images.shape[0] }, 36 / 5)
        for b in batches {
            let n = b.images.shape[0]
            XCTAssertEqual(b.labels.count, n * 5)
            for s in 0..<n {
                // Each target is the character after its input: find the window in the text.
                let window = (0..<5).map { Int(b.images.data[s * 5 + $0]) }
                let start = stride(from: 0, to: text.ids.count - 5, by: 5).first { Array(text.ids[$0..<$0 + 5]) == window }
                guard let start else { return XCTFail("window \(window) is not one of the text's") }
                XCTAssertEqual(Array(b.labels[s * 5..<s * 5 + 5]), Array(text.ids[start + 1..<start + 6]))
            }
        }
    }

    func testBadFilesAreExplained() throws {
        let bad = try temporaryFile(Data([0x61, 0xff, 0xfe, 0x62]))
        XCTAssertThrowsError(try CharText.load(bad)) { error in
            XCTAssertEqual((error as? CharText.Problem)?.kind, .notUTF8)
            XCTAssertTrue((error as! CharText.Problem).message(in: .es).contains("no es texto UTF-8"))
        }
        let big = try temporaryFile(Data(repeating: 0x61, count: CharText.maximumBytes + 1))
        XCTAssertThrowsError(try CharText.load(big)) { error in
            XCTAssertEqual((error as? CharText.Problem)?.kind, .tooLarge(bytes: CharText.maximumBytes + 1))
            XCTAssertTrue((error as! CharText.Problem).message(in: .en).contains("16 MiB"))
        }
        XCTAssertThrowsError(try CharText.load("/nonexistent/texto.txt")) { error in
            XCTAssertEqual((error as? CharText.Problem)?.kind, .missing)
        }
        let short = try CharText.load(try temporaryFile(Data("hola".utf8)))
        XCTAssertThrowsError(try short.check(length: 4, file: "hola.txt")) { error in
            XCTAssertEqual((error as? CharText.Problem)?.kind, .tooShort(characters: 4, needed: 5))
        }
        XCTAssertNoThrow(try short.check(length: 3, file: "hola.txt"))
    }

    func testStepLogitsRoundTrip() {
        var z = Tensor(zeros: [2, 3, 4])
        for i in 0..<z.count { z.data[i] = Float(i) }
        let rows = StepLogits.rows(z)
        XCTAssertEqual(rows.shape, [8, 3])
        // Row (sequence 1, step 2), channel 1 is z[1, 1, 2].
        XCTAssertEqual(rows.data[(1 * 4 + 2) * 3 + 1], z.data[(1 * 3 + 1) * 4 + 2])
        XCTAssertEqual(StepLogits.sequences(rows, steps: 4).data, z.data)
    }

    func testClippingScalesToTheNorm() {
        let a = Parameter("a", Tensor(zeros: [2])), b = Parameter("b", Tensor(zeros: [1]))
        a.grad.data = [3, 0]; b.grad.data = [4]
        XCTAssertEqual(clipGradients([a, b], maxNorm: 10), 5)
        XCTAssertEqual(a.grad.data, [3, 0])
        XCTAssertEqual(clipGradients([a, b], maxNorm: 1), 5)
        XCTAssertEqual(a.grad.data[0], 0.6, accuracy: 1e-5)
        XCTAssertEqual(b.grad.data[0], 0.8, accuracy: 1e-5)
    }

    /// A few steps on a repetitive text lower the loss, and sampling writes
    /// only the text's characters.
    func testCharLSTMLearnsAndSamples() throws {
        let text = CharText(text: String(repeating: "abcabd ", count: 60))
        let analysis = try ModelAnalysis(text: Presets.charLSTM(vocabulary: text.vocabulary.count, length: 8))
        let network = try analysis.makeNetwork(seed: 1)
        let trainer = LanguageModelTrainer(network: network, optimizer: Optimizer(.adam, learningRate: 0.01), clip: 1)
        var first: Float?, last: Float = 0
        for epoch in 1...8 {
            var sum: Float = 0, count = 0
            for b in text.batches(length: 8, batchSize: 16, seed: 0, epoch: epoch) { sum += try trainer.step(b); count += 1 }
            last = sum / Float(count)
            if first == nil { first = last }
        }
        XCTAssertLessThan(last, first! * 0.7, "loss per character \(first!) → \(last)")
        let written = try LanguageModelTrainer.sample(network: network, vocabulary: text.vocabulary, window: 8,
                                                      prime: [0], length: 40, temperature: 0.5, seed: 3)
        XCTAssertEqual(written.count, 40)
        XCTAssertTrue(written.allSatisfy { text.vocabulary.contains($0) }, written)
    }
}

final class ClippedTrainerTests: XCTestCase {
    /// With `clip`, the image trainer moves the weights by at most what a
    /// gradient of that norm would (plain SGD: lr · clip).
    func testTrainerClipsGradients() throws {
        let analysis = try ModelAnalysis(text: "input 4\ndense 3")
        func step(clip: Float?) throws -> Double {
            var options = TrainingOptions()
            options.optimizer = .sgd
            options.learningRate = 1
            options.clip = clip
            let trainer = try Trainer(analysis: analysis, options: options)
            let before = trainer.network.trainableParameters.map(\.value.data)
            let x = Tensor(shape: [2, 4], data: [100, -50, 30, 80, 90, 10, -70, 20])
            _ = try trainer.step(LabeledBatch(images: x, labels: [0, 2]))
            var sum = 0.0
            for (p, b) in zip(trainer.network.trainableParameters, before) {
                for (v, w) in zip(p.value.data, b) { sum += Double(v - w) * Double(v - w) }
            }
            return sum.squareRoot()
        }
        XCTAssertGreaterThan(try step(clip: nil), 1)
        XCTAssertEqual(try step(clip: 0.5), 0.5, accuracy: 1e-3)
    }
}
