import CapasCore
import CapasData
import CapasMessages
import CapasModel
@testable import CapasREPL
import CapasTraining
import CZlib
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

/// The elements of an SVG file, as XMLParser reads them.
final class SVGReader: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var texts: [String] = []
    private var text: String?

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append((name, attributes))
        if name == "text" { text = "" }
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { text? += string }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text", let t = text { texts.append(t); text = nil }
    }

    static func read(_ data: Data) throws -> SVGReader {
        let reader = SVGReader()
        let parser = XMLParser(data: data)
        parser.delegate = reader
        guard parser.parse() else { throw parser.parserError ?? NSError(domain: "SVG", code: 1) }
        return reader
    }

    func points(_ name: String) -> [Int] {
        elements.filter { $0.name == "polyline" && $0.attributes["class"] == name }
            .map { $0.attributes["points"]!.split(separator: " ").count }
    }
}

/// A PNG's chunks, checked as a decoder would.
struct PNGFile {
    var chunks: [(type: String, data: [UInt8], crc: UInt32)] = []

    init(_ bytes: [UInt8]) throws {
        guard Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { throw NSError(domain: "PNG signature", code: 1) }
        func word(_ i: Int) -> UInt32 { bytes[i..<(i + 4)].reduce(0) { $0 << 8 | UInt32($1) } }
        var i = 8
        while i < bytes.count {
            let length = Int(word(i))
            let type = String(decoding: bytes[(i + 4)..<(i + 8)], as: UTF8.self)
            chunks.append((type, Array(bytes[(i + 8)..<(i + 8 + length)]), word(i + 8 + length)))
            i += 12 + length
        }
    }
}

/// zlib's own CRC-32, independent of capas'.
func zlibCRC(_ bytes: [UInt8]) -> UInt32 {
    UInt32(bytes.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) })
}

final class PlotTests: XCTestCase {
    /// A made-up run: three epochs of 12 steps, a falling loss with one NaN step, test accuracy after each epoch.
    func madeUpRun(steps: Int = 36, epochs: Int = 3, nanAt: Int? = 20) throws -> TrainingRun {
        let analysis = try ModelAnalysis(text: "input 8x8x1\nflatten\ndense 4")
        let run = TrainingRun(model: "tiny", text: "", analysis: analysis, network: try analysis.makeNetwork(seed: 0),
                              dataset: "quadrants", trainImages: 100, testImages: 20)
        run.stepLoss = (0..<steps).map { $0 == nanAt ? .nan : 1.4 * exp(-Double($0) / 10) + 0.1 }
        run.stepAccuracy = (0..<steps).map { min(1, 0.25 + Double($0) / Double(steps)) }
        let perEpoch = steps / epochs
        for e in 1...epochs {
            run.epochs.append(EpochRecord(epoch: e, trainLoss: 1, trainAccuracy: 0.5, testAccuracy: 0.4 + 0.1 * Double(e),
                                          seconds: 1, imagesPerSecond: 100))
            run.epochEndSteps.append(e * perEpoch)
        }
        return run
    }

    func testSVGParsesWithAPointPerStepAndADotPerEpoch() throws {
        for language in Language.allCases {
            let figure = Figure.training(try madeUpRun(), language: language)
            let svg = try SVGReader.read(Data(figure.svg.utf8))
            XCTAssertEqual(svg.elements.first?.name, "svg")
            XCTAssertEqual(svg.elements.first?.attributes["width"], "800")
            // The NaN step breaks the loss line in two: 20 points before it, 15 after.
            XCTAssertEqual(svg.points("loss"), [20, 15])
            XCTAssertEqual(svg.points("train-accuracy"), [36])
            XCTAssertEqual(svg.points("test-accuracy"), [3])
            XCTAssertEqual(svg.elements.filter { $0.name == "circle" && $0.attributes["class"] == "test" }.count, 3)
            // Two dashed lines per panel mark the ends of epochs 1 and 2.
            XCTAssertEqual(svg.elements.filter { $0.attributes["stroke-dasharray"] != nil }.count, 4)
            let labels = language == .es
                ? ["pérdida (entropía cruzada)", "exactitud", "paso (lote de entrenamiento)", "prueba (fin de cada época)", "capas — tiny, quadrants: 3 épocas, 36 pasos"]
                : ["loss (cross-entropy)", "accuracy", "step (training batch)", "test (after each epoch)", "capas — tiny, quadrants: 3 epochs, 36 steps"]
            for label in labels { XCTAssertTrue(svg.texts.contains(label), "\(label) in \(svg.texts)") }
            // The points lie in the plot areas, higher loss higher up.
            let loss = svg.elements.first { $0.attributes["class"] == "loss" }!.attributes["points"]!
                .split(separator: " ").map { $0.split(separator: ",").map { Double($0)! } }
            XCTAssertTrue(loss.allSatisfy { $0[0] >= 90 && $0[0] <= 770 && $0[1] >= 95 && $0[1] <= 270 }, "\(loss)")
            XCTAssertLessThan(loss.first![1], loss.last![1])
        }
        // Special characters in names are escaped, and the file still parses.
        let odd = try madeUpRun()
        let figure = Figure.training(TrainingRun(model: "a<b&c\"", text: "", analysis: odd.analysis, network: odd.network,
                                                 dataset: "d", trainImages: 1, testImages: 1), language: .en)
        XCTAssertTrue(try SVGReader.read(Data(figure.svg.utf8)).texts.contains { $0.contains("a<b&c\"") })
    }

    func testLongRunsAreAveragedToAtMostTwoThousandPoints() throws {
        let figure = Figure.training(try madeUpRun(steps: 5000, epochs: 2, nanAt: nil), language: .en)
        let svg = try SVGReader.read(Data(figure.svg.utf8))
        XCTAssertEqual(svg.points("loss"), [Figure.maximumPoints])
        XCTAssertEqual(svg.points("train-accuracy"), [Figure.maximumPoints])
    }

    func testCRC32MatchesZlibAndTheCheckValue() {
        XCTAssertEqual(PNG.crc32(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(PNG.crc32([]), 0)
        var generator = SeededGenerator(seed: 3)
        for length in [1, 7, 100, 4096] {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            XCTAssertEqual(PNG.crc32(bytes), zlibCRC(bytes))
        }
    }

    func testPNGHasValidChunksAndInflatesToEveryScanline() throws {
        let figure = Figure.training(try madeUpRun(), language: .es)
        let bytes = PNG.encode(Raster(figure))
        let png = try PNGFile(bytes)
        XCTAssertEqual(png.chunks.map(\.type), ["IHDR", "IDAT", "IEND"])
        for chunk in png.chunks {
            XCTAssertEqual(chunk.crc, zlibCRC(Array(chunk.type.utf8) + chunk.data), "\(chunk.type) CRC")
        }
        let header = png.chunks[0].data
        XCTAssertEqual(header.count, 13)
        let width = Int(header[0..<4].reduce(0) { $0 << 8 | UInt32($1) }), height = Int(header[4..<8].reduce(0) { $0 << 8 | UInt32($1) })
        XCTAssertEqual([width, height], [800, 600])
        XCTAssertEqual(Array(header[8...]), [8, 2, 0, 0, 0], "8-bit RGB, deflate, no filter method, no interlace")
        XCTAssertTrue(png.chunks[2].data.isEmpty)
        // zlib inflates IDAT to one filter byte and width×3 bytes per row.
        let compressed = png.chunks[1].data
        let expected = height * (1 + width * 3)
        var length = uLongf(expected + 1)
        var raw = [UInt8](repeating: 0, count: expected + 1)
        let status = raw.withUnsafeMutableBufferPointer { out in
            compressed.withUnsafeBufferPointer { uncompress(out.baseAddress, &length, $0.baseAddress, uLong($0.count)) }
        }
        XCTAssertEqual(status, Z_OK)
        XCTAssertEqual(Int(length), expected)
        let rows = (0..<height).map { raw[($0 * (1 + width * 3))..<(($0 + 1) * (1 + width * 3))] }
        XCTAssertTrue(rows.allSatisfy { $0.first == 0 }, "filter type 0 on every row")
        // White background in a corner; the loss, training and test colours are all drawn.
        XCTAssertEqual(Array(rows[0][1...3]), [255, 255, 255])
        func count(_ c: Figure.Color) -> Int {
            rows.reduce(0) { total, row in
                let pixels = Array(row.dropFirst())
                return total + stride(from: 0, to: pixels.count, by: 3).filter { pixels[$0] == c.r && pixels[$0 + 1] == c.g && pixels[$0 + 2] == c.b }.count
            }
        }
        for color in [Figure.Color.loss, .train, .test, .black] { XCTAssertGreaterThan(count(color), 50, color.hex) }
    }

    func testEveryLabelIsInTheBitmapFont() throws {
        for (c, rows) in Font.glyphs {
            XCTAssertTrue(rows.count == 7 || rows.count == 9, "\(c)")
            XCTAssertTrue(rows.allSatisfy { $0.count == 5 && $0.allSatisfy { $0 == "#" || $0 == "." } }, "\(c)")
        }
        XCTAssertNotEqual(Font.glyph("é"), Font.glyph("e"))
        XCTAssertEqual(Font.glyph("€"), Font.glyph("?"))
        for language in Language.allCases {
            for shape in Figure.training(try madeUpRun(), language: language).shapes {
                guard case let .text(_, _, text, _, _) = shape else { continue }
                for c in text where c != "?" { XCTAssertNotEqual(Font.glyph(c), Font.glyph("?"), "`\(c)` of \(text)") }
            }
        }
    }

    func testPlotCommandWritesBothFormatsAfterTraining() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capas-plot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let interpreter = Interpreter(language: .en)
        XCTAssertTrue(interpreter.execute(":plot \(folder.path)/a.svg").text.contains("there are no curves yet"))
        interpreter.register(DataSets(name: "quadrants", train: quadrants(96, seed: 1), test: quadrants(32, seed: 2)))
        for line in ["input 8x8x1", "flatten", "dense 4", ":train data=quadrants epochs=2 batch=16"] {
            XCTAssertFalse(interpreter.execute(line).isError, line)
        }
        let svgReply = interpreter.execute(":plot \(folder.path)/curves.svg")
        XCTAssertFalse(svgReply.isError, svgReply.text)
        XCTAssertTrue(svgReply.text.hasPrefix("curves of `model` (12 steps, 2 epochs) saved to \(folder.path)/curves.svg (800×600, "))
        let svg = try SVGReader.read(try Data(contentsOf: folder.appendingPathComponent("curves.svg")))
        XCTAssertEqual(svg.points("loss"), [12])
        XCTAssertFalse(interpreter.execute(":plot \(folder.path)/curves.png").isError)
        let png = try PNGFile(Array(try Data(contentsOf: folder.appendingPathComponent("curves.png"))))
        XCTAssertEqual(png.chunks.first?.type, "IHDR")
        XCTAssertTrue(interpreter.execute(":plot \(folder.path)/curves.jpg").text.contains("usage: :plot (the curves of the last :train here), :plot FILE.svg"))
        XCTAssertTrue(interpreter.execute(":plot /nonexistent-folder/c.svg").text.contains("cannot write"))
        XCTAssertTrue(Interpreter(language: .es).execute(":plot c.svg").text.contains("todavía no hay curvas"))
    }
}
