import CapasCore
import CapasData
import CapasMessages
import CapasModel
@testable import CapasREPL
import CapasTraining
import Foundation
import XCTest

/// Colour panels laid side by side: each panel's part of a line ends with ESC[0m.
func decodePanels(_ lines: [String]) -> [[[Cell]]] {
    var panels: [[[Cell]]] = []
    for line in lines {
        let parts = line.components(separatedBy: "\u{1B}[0m").dropLast()
        for (i, part) in parts.enumerated() {
            let cells = decodeColor([part.trimmingCharacters(in: .whitespaces) + "\u{1B}[0m"])[0]
            if panels.count <= i { panels.append([]) }
            panels[i].append(cells)
        }
    }
    return panels
}

final class FilterTests: XCTestCase {
    func trained(_ lines: [String], channels: Int = 1, language: Language = .en) -> Interpreter {
        let interpreter = Interpreter(language: language, environment: ["HOME": "/nonexistent"])
        interpreter.pictureStyle = .color
        var train = quadrants(64, seed: 1), test = quadrants(16, seed: 2)
        if channels == 3 {
            func colour(_ d: Dataset) -> Dataset {
                var images: [UInt8] = []
                for i in 0..<d.count {
                    let plane = Array(d.images[(i * 64)..<((i + 1) * 64)])
                    images += plane + plane.map { 255 - $0 } + plane.map { $0 / 2 }
                }
                return Dataset(name: "quadrants", images: images, labels: d.labels, channels: 3, height: 8, width: 8,
                               classNames: d.classNames)
            }
            (train, test) = (colour(train), colour(test))
        }
        interpreter.register(DataSets(name: "quadrants", train: train, test: test))
        for line in lines { XCTAssertFalse(interpreter.execute(line).isError, line) }
        return interpreter
    }

    func testGreyFiltersShareOneScaleAroundZero() throws {
        let interpreter = trained(["input 8x8x1", "conv 4 3x3 pad=1 relu", "maxpool 2", "flatten", "dense 4", ":train data=quadrants batch=16"])
        let reply = interpreter.execute(":filters 0")
        XCTAssertFalse(reply.isError, reply.text)
        let lines = reply.text.components(separatedBy: "\n")
        XCTAssertEqual(lines[0], "[0] conv 4 3x3 pad=1: 4 filters of 3×3")
        XCTAssertEqual(lines[1], "0       1       2       3")
        let weights = (interpreter.run(of: "model")!.network.nodes[0].layer as! Conv2D).weight.value
        let scale = weights.data.map { abs($0) }.max()!
        XCTAssertEqual(lines.last, "one scale for all: black −\(format(Double(scale))), grey 0, white +\(format(Double(scale)))")
        // 3×3 filters are drawn twice as large: 6×6 pixels, three lines.
        let panels = decodePanels(Array(lines[2..<5]))
        XCTAssertEqual(panels.count, 4)
        for k in 0..<4 {
            for y in 0..<6 {
                for x in 0..<6 {
                    let w = weights.data[k * 9 + (y / 2) * 3 + x / 2]
                    let grey = Int(((w + scale) / (2 * scale) * 255).rounded())
                    let cell = panels[k][y / 2][x]
                    XCTAssertEqual(y % 2 == 0 ? cell.top : cell.bottom, [grey, grey, grey], "filter \(k) (\(x), \(y))")
                }
            }
        }
        // One filter alone.
        XCTAssertEqual(interpreter.execute(":filters 0 2").text.components(separatedBy: "\n")[1], "2")
    }

    func testThreeChannelFiltersAreDrawnInColour() throws {
        let interpreter = trained(["input 8x8x3", "conv 2 3x3", "flatten", "dense 4", ":train data=quadrants batch=16"], channels: 3)
        let reply = interpreter.execute(":filters 0")
        XCTAssertFalse(reply.isError, reply.text)
        let lines = reply.text.components(separatedBy: "\n")
        XCTAssertTrue(lines[0].hasSuffix("2 filters of 3×3 over 3 channels, in colour (R, G, B)"), lines[0])
        let weights = (interpreter.run(of: "model")!.network.nodes[0].layer as! Conv2D).weight.value
        let scale = weights.data.map { abs($0) }.max()!
        let panels = decodePanels(Array(lines[2..<5]))
        for k in 0..<2 {
            let rgb = (0..<3).map { c in Int(((weights.data[k * 27 + c * 9] + scale) / (2 * scale) * 255).rounded()) }
            XCTAssertEqual(panels[k][0][0].top, rgb, "filter \(k)'s top-left pixel")
        }
    }

    func testManyChannelsAreShownSeparatelyAndCapped() {
        let interpreter = trained(["input 8x8x1", "conv 10 3x3 pad=1", "conv 8 3x3", "flatten", "dense 4", ":train data=quadrants batch=32"])
        interpreter.pictureStyle = .plain
        let reply = interpreter.execute(":filters 1")
        XCTAssertFalse(reply.isError, reply.text)
        XCTAssertTrue(reply.text.contains("8 filters of 3×3 over 10 channels; K.C is channel C of filter K"))
        XCTAssertTrue(reply.text.contains("5.9"))
        XCTAssertFalse(reply.text.contains("6.0"))
        XCTAssertTrue(reply.text.hasSuffix("showing 6 of 8 filters; :filters 1 K shows filter K"), reply.text)
    }

    func testErrorsForLayersWithoutFiltersAndUntrainedModels() {
        for language in Language.allCases {
            let interpreter = Interpreter(language: language)
            XCTAssertTrue(interpreter.execute(":filters 0").isError)
            for line in ["input 8x8x1", "conv 4 3x3", "maxpool 2", "conv 2 3x3", "flatten", "dense 4"] { _ = interpreter.execute(line) }
            let untrained = interpreter.execute(":filters 0")
            XCTAssertTrue(untrained.isError)
            XCTAssertTrue(untrained.text.contains(language == .es ? "no tiene pesos entrenados" : "has no trained weights"), untrained.text)
            XCTAssertTrue(untrained.text.contains(":train"))
            let pool = interpreter.execute(":filters 1")
            XCTAssertTrue(pool.isError)
            XCTAssertTrue(pool.text.contains("`maxpool 2`"), pool.text)
            XCTAssertTrue(pool.text.contains("[0], [2]"), pool.text)
            XCTAssertTrue(interpreter.execute(":filters 12").text.contains("[0], [2]"))
            XCTAssertTrue(interpreter.execute(":filters").isError)
        }
        let trainedModel = trained(["input 8x8x1", "conv 4 3x3", "flatten", "dense 4", ":train data=quadrants"])
        XCTAssertTrue(trainedModel.execute(":filters 0 4").text.contains("has 4 filters: K goes from 0 to 3"))
        _ = trainedModel.execute(":undo")
        _ = trainedModel.execute("dense 4 relu")
        XCTAssertTrue(trainedModel.execute(":filters 0").text.contains("the model changed after :train"))
    }
}
