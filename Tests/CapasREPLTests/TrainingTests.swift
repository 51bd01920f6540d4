import CapasCore
import CapasData
import CapasMessages
import CapasModel
@testable import CapasREPL
import CapasTraining
import Foundation
import XCTest

/// A learnable made-up problem: the class is which quadrant of an 8×8 image is bright.
func quadrants(_ n: Int, seed: UInt64) -> Dataset {
    var generator = SeededGenerator(seed: seed)
    var images = [UInt8](), labels = [UInt8]()
    for _ in 0..<n {
        let label = Int(generator.next() % 4)
        labels.append(UInt8(label))
        for y in 0..<8 {
            for x in 0..<8 {
                let bright = (y < 4 ? 0 : 2) + (x < 4 ? 0 : 1) == label
                images.append(UInt8(bright ? 150 + Int(generator.next() % 100) : Int(generator.next() % 60)))
            }
        }
    }
    return Dataset(name: "quadrants", images: images, labels: labels, channels: 1, height: 8, width: 8,
                   classNames: ["a", "b", "c", "d"])
}

/// The dots of braille chart lines (after the axis labels), as a grid of 2 columns × 4 rows per character.
func brailleDots(_ lines: [String], width: Int) -> [[Bool]] {
    var grid = [[Bool]](repeating: [Bool](repeating: false, count: 2 * width), count: 4 * lines.count)
    for (cy, line) in lines.enumerated() {
        guard let axis = line.firstIndex(where: { $0 == "┤" || $0 == "│" }) else { continue }
        let cells = Array(line[line.index(after: axis)...])
        for (cx, c) in cells.enumerated() {
            guard let scalar = c.unicodeScalars.first, scalar.value >= 0x2800, scalar.value <= 0x28FF else { continue }
            let code = scalar.value - 0x2800
            for dx in 0..<2 { for dy in 0..<4 where code & Chart.bits[dx][dy] != 0 { grid[cy * 4 + dy][cx * 2 + dx] = true } }
        }
    }
    return grid
}

final class ChartTests: XCTestCase {
    func testAFallingSeriesGoesFromTheTopLeftToTheBottomRight() {
        let series = (0..<100).map { 2 - 2 * Double($0) / 99 }
        let chart = Chart(lines: [series], title: "loss", xLabel: "step", xFirst: "1", xLast: "100")
        let text = chart.render(width: 20, height: 5)
        let lines = text.components(separatedBy: "\n")
        XCTAssertEqual(lines.count, 1 + 5 + 2)
        XCTAssertEqual(lines[0], "loss")
        XCTAssertTrue(lines[1].hasPrefix("2 ┤"), lines[1])
        XCTAssertTrue(lines[5].hasPrefix("0 ┤"), lines[5])
        XCTAssertTrue(lines[6].hasPrefix("  └" + String(repeating: "─", count: 20)))
        XCTAssertEqual(lines[7], "   1       step     100")
        let grid = brailleDots(Array(lines[1...5]), width: 20)
        // Every dot column has a point; the highest one only goes down, from the top row to the bottom row.
        var previousTop = 0
        for column in 0..<40 {
            let rows = (0..<20).filter { grid[$0][column] }
            XCTAssertFalse(rows.isEmpty, "column \(column) is empty")
            XCTAssertGreaterThanOrEqual(rows.min()!, previousTop)
            previousTop = rows.min()!
        }
        XCTAssertTrue(grid[0][0])
        XCTAssertTrue(grid[19][39])
        XCTAssertFalse(grid[19][0] || grid[0][39])
    }

    func testFewPointsAreJoinedAndMarksLandOnTheirValues() {
        // Three points, far apart: the columns between them are filled by the joining runs.
        var chart = Chart(lines: [[0, 1, 0]], title: "t", xLabel: "x", xFirst: "1", xLast: "3")
        chart.marks = [(x: 1, y: 0.5)]
        let lines = chart.render(width: 10, height: 2).components(separatedBy: "\n")
        let grid = brailleDots(Array(lines[1...2]), width: 10)
        // (The mark's character hides dot columns 18 and 19.)
        for column in 0..<18 { XCTAssertTrue((0..<8).contains { grid[$0][column] }, "column \(column)") }
        XCTAssertTrue(grid[7][0] && grid[0][10], "0 at the bottom, 1 at the top")
        // The mark replaces the last character of the row holding 0.5 (row 4 of 8 dots: the second line).
        XCTAssertTrue(lines[2].hasSuffix("●"), lines[2])
        // A flat series sits in the middle of a widened range.
        let flat = Chart(lines: [[3, 3, 3]], title: "f", xLabel: "x", xFirst: "1", xLast: "3").render(width: 4, height: 2)
        XCTAssertTrue(flat.contains("3.5 ┤") && flat.contains("2.5 ┤"), flat)
    }

    func testAxisNumbersKeepFourSignificantDigits() {
        XCTAssertEqual(axisNumber(2.302585), "2.303")
        XCTAssertEqual(axisNumber(0.0123456), "0.0123")
        XCTAssertEqual(axisNumber(1234.5), "1235")
        XCTAssertEqual(axisNumber(0), "0")
    }
}

final class TrainingTests: XCTestCase {
    let model = ["input 8x8x1", "conv 4 3x3 pad=1 relu", "maxpool 2", "flatten", "dense 4"]

    func session(_ language: Language = .en) -> Interpreter {
        let interpreter = Interpreter(language: language, environment: ["HOME": "/nonexistent"])
        interpreter.register(DataSets(name: "quadrants", train: quadrants(400, seed: 1), test: quadrants(100, seed: 2)))
        for line in model { XCTAssertFalse(interpreter.execute(line).isError, line) }
        return interpreter
    }

    func testTrainingLowersTheLossAndKeepsTheWeightsWithTheModel() throws {
        let interpreter = session()
        let reply = interpreter.execute(":train data=quadrants epochs=3 batch=32 seed=1 lr=0.01")
        XCTAssertFalse(reply.isError, reply.text)
        let run = try XCTUnwrap(interpreter.run(of: "model"))
        XCTAssertEqual(run.epochs.map(\.epoch), [1, 2, 3])
        XCTAssertEqual(run.steps, 3 * 13)
        XCTAssertLessThan(run.epochs[2].trainLoss, run.epochs[0].trainLoss * 0.8, "\(run.epochs.map(\.trainLoss))")
        XCTAssertGreaterThan(try XCTUnwrap(run.testAccuracy), 0.5)
        // Each step's own loss, recovered from the running means, averages back to its epoch's loss.
        for (e, record) in run.epochs.enumerated() {
            let losses = run.stepLoss[(e * 13)..<((e + 1) * 13)]
            let sizes = (0..<13).map { $0 < 12 ? 32.0 : 16.0 }
            let mean = zip(losses, sizes).reduce(0) { $0 + $1.0 * $1.1 } / 400
            XCTAssertEqual(mean, record.trainLoss, accuracy: 1e-4)
        }
        XCTAssertGreaterThan(run.stepLoss.prefix(5).reduce(0, +), run.stepLoss.suffix(5).reduce(0, +))
        XCTAssertTrue(reply.text.contains("epoch 3/3  train loss"), reply.text)
        XCTAssertTrue(reply.text.contains("`model` trained on quadrants (400 images): 3 complete epochs, 39 steps; test accuracy "))
        XCTAssertTrue(reply.text.contains("training loss (cross-entropy) per step\n"))
        XCTAssertEqual(reply.text.components(separatedBy: "●").count - 1, 3 + 1, "a test mark per epoch, and the legend's")
        // :compare shows the accuracy where a model is trained.
        _ = interpreter.execute(":new other")
        for line in model { _ = interpreter.execute(line) }
        let comparison = interpreter.execute(":compare model other").text
        XCTAssertTrue(comparison.contains(String(format: "%.4f", run.testAccuracy!)), comparison)
        XCTAssertTrue(comparison.contains("untrained (:train)"), comparison)
        // A second :train continues from the same weights, numbering epochs on.
        _ = interpreter.execute(":use model")
        let again = interpreter.execute(":train data=quadrants epochs=1 batch=32 seed=1 lr=0.01")
        XCTAssertTrue(again.text.contains("training continues from the weights"), again.text)
        XCTAssertEqual(interpreter.run(of: "model")?.epochs.map(\.epoch), [1, 2, 3, 4])
        XCTAssertTrue(again.text.contains("epoch 4/4"), again.text)
        // Changing the model leaves the weights behind.
        _ = interpreter.execute("relu")
        XCTAssertNil(interpreter.run(of: "model"))
        XCTAssertTrue(interpreter.execute(":compare model other").text.contains("untrained") == false)
    }

    func testCtrlCStopsAfterTheCurrentStepAndKeepsTheWeights() throws {
        let interpreter = session(.es)
        var asked = 0
        interpreter.interruptRequested = { asked += 1; return asked >= 5 }
        let initial = try ModelAnalysis(text: model.joined(separator: "\n")).makeNetwork(seed: 0)
        let reply = interpreter.execute(":train datos=quadrants épocas=3 lote=16")
        XCTAssertFalse(reply.isError, reply.text)
        XCTAssertTrue(reply.text.contains("entrenamiento interrumpido tras 5 pasos (época 1, lote 5 de 25)"), reply.text)
        let run = try XCTUnwrap(interpreter.run(of: "model"))
        XCTAssertEqual(run.steps, 5)
        XCTAssertTrue(run.epochs.isEmpty)
        let trained = run.network.namedParameters.map(\.parameter.value.data)
        XCTAssertNotEqual(trained, initial.namedParameters.map(\.parameter.value.data), "five steps changed the weights")
        // The session goes on, and the weights are there to look at and to train further.
        XCTAssertEqual(interpreter.execute("1 + 1").text, "2")
        XCTAssertFalse(interpreter.execute(":filters 0").isError)
        interpreter.interruptRequested = { false }
        let more = interpreter.execute(":train datos=quadrants épocas=1 lote=16")
        XCTAssertTrue(more.text.contains("se sigue entrenando"), more.text)
        XCTAssertEqual(interpreter.run(of: "model")?.steps, 5 + 25)
    }

    func testOptionsAndMismatchesGiveMessages() {
        let interpreter = session(.es)
        XCTAssertTrue(interpreter.execute(":train épocas=0").text.contains("épocas debe ser un entero entre 1 y 1000"))
        XCTAssertTrue(interpreter.execute(":train foo=1").text.contains("`foo=1` no es una opción de :train"))
        XCTAssertTrue(interpreter.execute(":train optimizer=rmsprop").text.contains("sgd, momentum, adam o adadelta"))
        XCTAssertTrue(interpreter.execute(":train").text.contains("¿con qué datos?"))
        let english = Interpreter(language: .en)
        XCTAssertTrue(english.execute(":train").text.contains("has no layers yet"))
        for line in ["input 8x8x1", "flatten", "dense 3"] { _ = english.execute(line) }
        english.register(DataSets(name: "quadrants", train: quadrants(40, seed: 1), test: quadrants(10, seed: 2)))
        let mismatch = english.execute(":train data=quadrants")
        XCTAssertTrue(mismatch.isError)
        XCTAssertTrue(mismatch.text.contains("`dense 4`"), mismatch.text)
        XCTAssertTrue(english.execute(":train data=nowhere").text.contains("unknown dataset `nowhere`"))
    }

    /// FashionMNIST itself, when installed: a linear model on 600 images learns in two epochs.
    func testRealFashionMNIST() throws {
        guard DataLocator().locate(.fashionMNIST) != nil else { throw XCTSkip("FashionMNIST is not installed") }
        let interpreter = Interpreter(language: .en)
        for line in ["input 28x28x1", "flatten", "dense 10"] { _ = interpreter.execute(line) }
        let reply = interpreter.execute(":train limit=600 epochs=2 batch=32")
        XCTAssertFalse(reply.isError, reply.text)
        let run = try XCTUnwrap(interpreter.run(of: "model"))
        XCTAssertEqual(run.dataset, "fashion-mnist")
        XCTAssertEqual(run.testImages, 10_000)
        XCTAssertLessThan(run.epochs[1].trainLoss, run.epochs[0].trainLoss)
        XCTAssertGreaterThan(try XCTUnwrap(run.testAccuracy), 0.5)
    }
}
