import CapasCore
import CapasData
import CapasMessages
@testable import CapasREPL
import Foundation
import XCTest

/// One character cell of a colour picture: the upper pixel's colour and the lower one's (nil: terminal background).
struct Cell: Equatable {
    var top: [Int]
    var bottom: [Int]?
}

/// Reads colour picture lines back into cells by following the escapes as a terminal would.
func decodeColor(_ lines: [String], file: StaticString = #filePath, line: UInt = #line) -> [[Cell]] {
    var rows: [[Cell]] = []
    for text in lines {
        var foreground: [Int]?, background: [Int]?
        var cells: [Cell] = []
        var rest = Substring(text)
        while let c = rest.first {
            if c == "\u{1B}" {
                guard let end = rest.firstIndex(of: "m") else { XCTFail("unterminated escape in \(text.debugDescription)", file: file, line: line); break }
                let codes = rest[rest.index(rest.startIndex, offsetBy: 2)..<end].split(separator: ";").map { Int($0)! }
                switch codes.first {
                case 38: XCTAssertEqual(codes.count, 5, file: file, line: line); foreground = Array(codes[2...])
                case 48: XCTAssertEqual(codes.count, 5, file: file, line: line); background = Array(codes[2...])
                case 49: background = nil
                case 0: foreground = nil; background = nil
                default: XCTFail("unexpected escape \(codes)", file: file, line: line)
                }
                rest = rest[rest.index(after: end)...]
            } else {
                XCTAssertEqual(c, "▀", "every cell is an upper half block", file: file, line: line)
                cells.append(Cell(top: foreground ?? [-1], bottom: background))
                rest = rest.dropFirst()
            }
        }
        XCTAssertTrue(text.hasSuffix("\u{1B}[0m"), "a line ends by resetting colours", file: file, line: line)
        rows.append(cells)
    }
    return rows
}

final class PictureTests: XCTestCase {
    /// A 3×5 RGB picture (odd height) with distinct pixels: every cell shows its two pixels' colours.
    func testColorCellsCarryTheUpperPixelInFrontAndTheLowerBehind() {
        let (w, h) = (5, 3)
        var values = [Float](repeating: 0, count: 3 * w * h)
        for c in 0..<3 { for y in 0..<h { for x in 0..<w { values[(c * h + y) * w + x] = Float((x * 37 + y * 71 + c * 101) % 256) / 255 } } }
        let picture = Picture(width: w, height: h, channels: 3, values: values)
        let cells = decodeColor(picture.lines(.color))
        XCTAssertEqual(cells.count, 2, "three rows make two lines")
        func pixel(_ x: Int, _ y: Int) -> [Int] { (0..<3).map { (x * 37 + y * 71 + $0 * 101) % 256 } }
        for row in 0..<2 {
            XCTAssertEqual(cells[row].count, w)
            for x in 0..<w {
                XCTAssertEqual(cells[row][x].top, pixel(x, 2 * row))
                XCTAssertEqual(cells[row][x].bottom, 2 * row + 1 < h ? pixel(x, 2 * row + 1) : nil, "row \(row) x \(x)")
            }
        }
    }

    func testGreyPicturesAreScaledFromTheLowestToTheHighestValue() {
        let plane: [Float] = [-2, 0, 2, 6]   // 2×2
        let picture = Picture.grey(plane[...], width: 2, height: 2, low: -2, high: 6)
        let cells = decodeColor(picture.lines(.color))
        XCTAssertEqual(cells, [[Cell(top: [0, 0, 0], bottom: [128, 128, 128]), Cell(top: [64, 64, 64], bottom: [255, 255, 255])]])
        // A constant plane is mid-grey rather than a division by zero.
        let flat = Picture.grey([3, 3][...], width: 2, height: 1, low: 3, high: 3)
        XCTAssertEqual(decodeColor(flat.lines(.color))[0].map(\.top), [[128, 128, 128], [128, 128, 128]])
        XCTAssertEqual(decodeColor(flat.lines(.color))[0].map(\.bottom), [nil, nil])
    }

    /// Repeated colours are not repeated escapes, but the decoded cells stay the same.
    func testEscapesAreWrittenOnlyWhenTheColourChanges() {
        let picture = Picture(width: 6, height: 2, channels: 1, values: [Float](repeating: 0.5, count: 12))
        let line = picture.lines(.color)[0]
        XCTAssertEqual(line.components(separatedBy: "\u{1B}[38;2;").count - 1, 1, line.debugDescription)
        XCTAssertEqual(line.components(separatedBy: "\u{1B}[48;2;").count - 1, 1)
        XCTAssertEqual(line.filter { $0 == "▀" }.count, 6)
    }

    func testPlainPicturesUseTwoAsciiCharactersPerPixel() {
        // Column i has brightness (i + 0.5)/10: the ramp in order, each character twice.
        let w = 10
        let values = (0..<(2 * w)).map { Float($0 % w) / 10 + 0.05 }
        let lines = Picture(width: w, height: 2, channels: 1, values: values).lines(.plain)
        XCTAssertEqual(lines, ["  ..::--==++**##%%@@", "  ..::--==++**##%%@@"])
        // One line per row of pixels: nothing is averaged away.
        XCTAssertEqual(Picture(width: 2, height: 3, channels: 1, values: [0, 1, 1, 0, 1, 0]).lines(.plain), ["  @@", "@@  ", "@@  "])
        // Colour pixels by luminance: pure green is brighter than pure blue.
        let rgb = Array(Picture(width: 2, height: 1, channels: 3, values: [0, 0, 1, 0, 0, 1]).lines(.plain)[0])
        XCTAssertGreaterThan(Picture.ramp.firstIndex(of: rgb[0])!, Picture.ramp.firstIndex(of: rgb[2])!)
    }

    func testStyleIsPlainOffTerminalsAndWithNoColor() {
        XCTAssertEqual(PictureStyle.choose(outputIsTerminal: true, environment: [:]), .color)
        XCTAssertEqual(PictureStyle.choose(outputIsTerminal: false, environment: [:]), .plain)
        XCTAssertEqual(PictureStyle.choose(outputIsTerminal: true, environment: ["NO_COLOR": "1"]), .plain)
        XCTAssertEqual(PictureStyle.choose(outputIsTerminal: true, environment: ["NO_COLOR": ""]), .color)
        XCTAssertEqual(PictureStyle.choose(outputIsTerminal: true, environment: ["TERM": "dumb"]), .plain)
    }

    func testWidePicturesShrinkToTheColumnsAndTinyOnesGrow() {
        let wide = Picture(width: 200, height: 4, channels: 1, values: [Float](repeating: 1, count: 800))
        XCTAssertEqual(wide.fitted(columns: 80, style: .color).width, 67)
        XCTAssertEqual(wide.fitted(columns: 80, style: .plain).textWidth(.plain), 80)
        XCTAssertTrue(wide.fitted(columns: 80, style: .plain).lines(.plain).allSatisfy { $0.count <= 80 })
        let tiny = Picture(width: 3, height: 3, channels: 1, values: [0, 1, 0, 1, 0, 1, 0, 1, 0])
        XCTAssertEqual(tiny.fitted(columns: 80, style: .color).width, 6)
        XCTAssertEqual(tiny.fitted(columns: 80, style: .color).values[0..<6], [0, 0, 1, 1, 0, 0])
        XCTAssertEqual(tiny.fitted(columns: 80, style: .plain).width, 3)
    }
}

/// A folder of small made-up datasets in the real file formats, found through CAPAS_DATA.
final class ShowTests: XCTestCase {
    var folder: URL!
    let (rows, columns) = (12, 10)

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("capas-show-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("fashion-mnist"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("cifar10"), withIntermediateDirectories: true)
        func word(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
        let count = 3
        let pixels = (0..<(count * rows * columns)).map { fashionPixel($0) }
        for (images, labels) in [("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"), ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")] {
            try Data(word(2051) + word(count) + word(rows) + word(columns) + pixels)
                .write(to: folder.appendingPathComponent("fashion-mnist/" + images))
            try Data(word(2049) + word(count) + [9, 1, 4]).write(to: folder.appendingPathComponent("fashion-mnist/" + labels))
        }
        for file in CIFAR10.trainFiles + CIFAR10.testFiles {
            var bytes: [UInt8] = []
            for record in 0..<2 { bytes.append(UInt8(record + 1)); bytes += (0..<3072).map { cifarPixel(record, $0) } }
            try Data(bytes).write(to: folder.appendingPathComponent("cifar10/" + file))
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func fashionPixel(_ i: Int) -> UInt8 { UInt8((i * 7 + i / 13) % 256) }
    func cifarPixel(_ record: Int, _ i: Int) -> UInt8 { UInt8((i * 5 + record * 91 + i / 32) % 256) }

    func interpreter(_ language: Language, style: PictureStyle = .color) -> Interpreter {
        let interpreter = Interpreter(language: language, environment: ["CAPAS_DATA": folder.path, "HOME": folder.path])
        interpreter.pictureStyle = style
        return interpreter
    }

    func testShowsAFashionImageWithItsClassInBothLanguages() {
        for (language, caption) in [(Language.en, "fashion-mnist test 1: Trouser (class 1)"),
                                    (.es, "fashion-mnist prueba 1: Pantalón (clase 1)")] {
            for command in [":show fashion-mnist test 1", ":muestra fashion prueba 1", ":show fashion-mnist 1"] {
                let reply = interpreter(language).execute(command)
                XCTAssertFalse(reply.isError, reply.text)
                let lines = reply.text.components(separatedBy: "\n")
                XCTAssertEqual(lines.first, caption)
                let cells = decodeColor(Array(lines.dropFirst()))
                XCTAssertEqual(cells.count, rows / 2)
                for y in 0..<rows {
                    for x in 0..<columns {
                        let v = Int(fashionPixel(rows * columns + y * columns + x))
                        let cell = cells[y / 2][x]
                        XCTAssertEqual(y % 2 == 0 ? cell.top : cell.bottom, [v, v, v], "pixel (\(x), \(y))")
                    }
                }
            }
        }
    }

    func testShowsACifarImageInColour() {
        let reply = interpreter(.es).execute(":show cifar10 entrenamiento 1")
        XCTAssertFalse(reply.isError, reply.text)
        let lines = reply.text.components(separatedBy: "\n")
        XCTAssertEqual(lines.first, "cifar10 entrenamiento 1: pájaro (clase 2)")
        let cells = decodeColor(Array(lines.dropFirst()))
        XCTAssertEqual(cells.count, 16)
        for (x, y) in [(0, 0), (5, 3), (31, 31), (17, 20)] {
            let rgb = (0..<3).map { Int(cifarPixel(1, $0 * 1024 + y * 32 + x)) }
            XCTAssertEqual(y % 2 == 0 ? cells[y / 2][x].top : cells[y / 2][x].bottom, rgb)
        }
        XCTAssertTrue(interpreter(.en).execute(":show cifar train 0").text.hasPrefix("cifar10 train 0: automobile (class 1)\n"))
    }

    func testImageIsACalculatorValueAndFeatureMapsAreScaledToGrey() throws {
        let session = interpreter(.en)
        let assigned = session.execute("img = image(fashion-mnist, test, 2)")
        XCTAssertFalse(assigned.isError, assigned.text)
        XCTAssertEqual(assigned.text, "img = 12×10, fashion-mnist test 2: Coat (class 4); :show img draws it")
        XCTAssertTrue(session.execute(":vars").text.contains("img  12×10  fashion-mnist test 2: Coat (class 4)"))
        // The value is the image's bytes over 255.
        let sum = session.execute("sum(img * 255)").text
        let expected = (0..<(rows * columns)).reduce(0) { $0 + Int(fashionPixel(2 * rows * columns + $1)) }
        XCTAssertEqual(sum, String(expected))
        // A feature map: grey levels in the same order as the values, black the lowest, white the highest.
        let kernel = "[[1, 0, -1], [2, 0, -2], [1, 0, -1]]"
        let reply = session.execute(":show conv(img, \(kernel))")
        XCTAssertFalse(reply.isError, reply.text)
        let values = try XCTUnwrap(session.variables["img"]).asTensor
        let output = try Calculator.evaluate("conv(img, \(kernel))", variables: ["img": .tensor(values)]).value.shapeAndValues
        XCTAssertEqual(output.shape, [10, 8])
        let lines = reply.text.components(separatedBy: "\n")
        let low = output.values.min()!, high = output.values.max()!
        XCTAssertEqual(lines[0], "values from \(format(low)) (black) to \(format(high)) (white)")
        let cells = decodeColor(Array(lines.dropFirst()))
        var greys: [(Double, Int)] = []
        for y in 0..<10 { for x in 0..<8 { greys.append((output.values[y * 8 + x], (y % 2 == 0 ? cells[y / 2][x].top : cells[y / 2][x].bottom!)[0])) } }
        for a in greys { for b in greys where a.0 < b.0 { XCTAssertLessThanOrEqual(a.1, b.1) } }
        XCTAssertEqual(greys.first { $0.0 == low }?.1, 0)
        XCTAssertEqual(greys.first { $0.0 == high }?.1, 255)
        // The image drawn directly, and reassigned: no longer described as a dataset image.
        XCTAssertTrue(session.execute("image(fashion-mnist, train, 0)").text.hasPrefix("fashion-mnist train 0: Ankle boot (class 9)\n"))
        _ = session.execute("img = img * 2")
        XCTAssertTrue(session.execute(":show img").text.hasPrefix("values from "))
    }

    func testSeveralChannelsAreDrawnSideBySideWithTheirRanges() {
        let session = interpreter(.es, style: .plain)
        _ = session.execute("X = [[[0, 1], [2, 3]], [[-1, -1], [-1, 5]]]")
        let reply = session.execute(":show X")
        XCTAssertFalse(reply.isError, reply.text)
        let lines = reply.text.components(separatedBy: "\n")
        XCTAssertEqual(lines[0], "canal 0  canal 1")
        XCTAssertEqual(lines[1], "0 … 3    -1 … 5")
        // Two characters a pixel, one line a row, side by side.
        // Channel 0 is 0, ⅓, ⅔, 1 (" -*@" on the ramp); channel 1 is black but for its last pixel.
        XCTAssertEqual(lines[2], "  --")
        XCTAssertEqual(lines[3], "**@@       @@")
        XCTAssertTrue(lines.last!.contains("cada plano"))
    }

    func testErrorsSayWhatToDo() {
        let session = interpreter(.en)
        XCTAssertTrue(session.execute(":show").text.contains("usage: :show fashion-mnist test 0"))
        XCTAssertTrue(session.execute(":show fashion-mnist test 3").text.contains("has 3 images: the index goes from 0 to 2"))
        XCTAssertTrue(session.execute(":show fashion-mnist validation 3").text.contains("the split is train or test"))
        XCTAssertTrue(session.execute(":show [1, 2, 3]").text.contains("a vector of 3 values"))
        XCTAssertTrue(session.execute("image(mnist, test, 0)").text.contains("the first argument is the dataset"))
        XCTAssertTrue(session.execute("image(cifar10, test, 0.5)").text.contains("whole number"))
        XCTAssertTrue(interpreter(.es).execute("imagen(cifar10, validación, 0)").text.contains("entrenamiento o prueba"))
        // Outside the REPL (the grader's calculator) image() is refused, not read from disk.
        XCTAssertThrowsError(try Calculator.evaluate("image(fashion-mnist, test, 0)"))
    }

    func testAMissingDatasetSaysWhereItLookedAndHowToGetIt() throws {
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let environment = ["CAPAS_DATA": empty.path, "HOME": empty.path]
        if DataLocator(environment: environment).locate(.cifar10) != nil { throw XCTSkip("CIFAR-10 is installed system-wide") }
        for (language, words) in [(Language.en, ["cannot find cifar10", "capas data fetch cifar10", "CAPAS_DATA=FOLDER capas"]),
                                  (.es, ["no encuentro cifar10", "capas data fetch cifar10", "CAPAS_DATA=CARPETA capas"])] {
            let session = Interpreter(language: language, environment: environment)
            for entry in [":show cifar10 test 0", "x = image(cifar10, test, 0)"] {
                let reply = session.execute(entry)
                XCTAssertTrue(reply.isError)
                for word in words + [empty.path] { XCTAssertTrue(reply.text.contains(word), "\(word) in \(reply.text)") }
            }
        }
    }

    /// The real FashionMNIST, when it is installed: the first test image is an ankle boot.
    func testRealFashionMNIST() throws {
        let locator = DataLocator()
        guard let found = locator.locate(.fashionMNIST) else { throw XCTSkip("FashionMNIST is not installed") }
        let test = try FashionMNIST.load(split: .test, from: found)
        let session = Interpreter(language: .en, environment: ProcessInfo.processInfo.environment)
        session.pictureStyle = .color
        let reply = session.execute(":show fashion-mnist test 0")
        XCTAssertFalse(reply.isError, reply.text)
        let lines = reply.text.components(separatedBy: "\n")
        XCTAssertEqual(lines[0], "fashion-mnist test 0: Ankle boot (class 9)")
        let cells = decodeColor(Array(lines.dropFirst()))
        XCTAssertEqual(cells.count, 14)
        for y in 0..<28 {
            for x in 0..<28 {
                let v = Int(test.images[y * 28 + x])
                XCTAssertEqual(y % 2 == 0 ? cells[y / 2][x].top : cells[y / 2][x].bottom, [v, v, v])
            }
        }
        let es = Interpreter(language: .es, environment: ProcessInfo.processInfo.environment)
        XCTAssertTrue(es.execute(":show fashion-mnist prueba 0").text.hasPrefix("fashion-mnist prueba 0: Botín (clase 9)\n"))
    }
}
