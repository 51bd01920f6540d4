import CapasMessages
import CapasModel
import CZlib
import Foundation

// :plot FILE.svg | FILE.png — the last training's curves as a figure: loss per
// step above, accuracy per step (training batches) and per epoch (test set)
// below, axes with ticks and labels in the session's language. One list of
// shapes is written two ways: as SVG text, and rasterized into a PNG (a
// bitmap font, lines, dots; compressed with zlib, chunks with their CRC-32).

/// A figure as shapes on a canvas `width`×`height` pixels, y downwards.
struct Figure {
    struct Color: Equatable {
        let r: UInt8, g: UInt8, b: UInt8
        var hex: String { String(format: "#%02x%02x%02x", r, g, b) }
        static let black = Color(r: 0x22, g: 0x22, b: 0x22), grid = Color(r: 0xe0, g: 0xe0, b: 0xe0)
        static let epoch = Color(r: 0xb0, g: 0xb0, b: 0xb0), white = Color(r: 255, g: 255, b: 255)
        static let loss = Color(r: 0x1f, g: 0x77, b: 0xb4), train = Color(r: 0xff, g: 0x7f, b: 0x0e)
        static let test = Color(r: 0x2c, g: 0xa0, b: 0x2c)
    }
    enum Anchor: String { case start, middle, end }
    enum Shape {
        case line(x1: Double, y1: Double, x2: Double, y2: Double, color: Color, width: Double, dashed: Bool)
        /// A named series: its points in order.
        case polyline(name: String, points: [(Double, Double)], color: Color, width: Double)
        case dot(name: String, x: Double, y: Double, radius: Double, color: Color)
        /// Text with its baseline at y.
        case text(x: Double, y: Double, String, anchor: Anchor, color: Color)
    }

    let width: Int, height: Int
    var shapes: [Shape] = []
    /// Text height in pixels (the bitmap font drawn twice as large).
    static let textScale = 2
    static var textHeight: Double { Double(Font.height * textScale) }
    static func textWidth(_ s: String) -> Double { Double(s.count * (Font.width + 1) * textScale) }

    /// Most points a series keeps: longer runs are averaged over equal buckets of steps.
    static let maximumPoints = 2000
}

/// Round numbers for axis ticks: 1, 2 or 5 times a power of ten, about `count` of them over low…high.
func niceTicks(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
    guard high > low, low.isFinite, high.isFinite else { return [low] }
    let raw = (high - low) / Double(max(count, 1))
    let power = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= raw } ?? 10 * power
    var ticks: [Double] = []
    var t = ceil(low / step - 1e-9) * step
    while t <= high + step * 1e-9 {
        ticks.append(abs(t) < step * 1e-9 ? 0 : t)
        t += step
    }
    return ticks
}

extension Figure {
    /// The curves of a training run.
    static func training(_ run: TrainingRun, language L: Language) -> Figure {
        var figure = Figure(width: 800, height: 600)
        let steps = run.steps
        let left = 90.0, right = 770.0
        let epochs = run.epochs.count == 1 ? L.pick(es: "1 época", en: "1 epoch") : "\(run.epochs.count) " + L.pick(es: "épocas", en: "epochs")
        let stepsText = "\(grouped(steps, language: L)) " + L.pick(es: "pasos", en: "steps")
        figure.shapes.append(.text(x: 400, y: 30, "capas — \(run.model), \(run.dataset): \(epochs), \(stepsText)", anchor: .middle, color: .black))

        // Every step's value, or bucket means when there are more steps than points.
        func reduced(_ values: [Double]) -> [(x: Double, y: Double)] {
            guard values.count > maximumPoints else { return values.enumerated().map { (Double($0.offset + 1), $0.element) } }
            return (0..<maximumPoints).map { b in
                let from = b * values.count / maximumPoints, to = max(from + 1, (b + 1) * values.count / maximumPoints)
                let bucket = values[from..<to]
                return (Double(from + to + 1) / 2, bucket.reduce(0, +) / Double(bucket.count))
            }
        }
        let xMax = Double(max(steps, 2))
        func px(_ step: Double) -> Double { left + (step - 1) / (xMax - 1) * (right - left) }
        let xTicks = niceTicks(1, xMax).filter { $0 >= 1 }

        func panel(top: Double, bottom: Double, title: String, low: Double, high: Double, ticks: [Double]) -> (Double) -> Double {
            let py: (Double) -> Double = { bottom - ($0 - low) / (high - low) * (bottom - top) }
            for t in ticks {
                figure.shapes.append(.line(x1: left, y1: py(t), x2: right, y2: py(t), color: .grid, width: 1, dashed: false))
                figure.shapes.append(.text(x: left - 8, y: py(t) + textHeight / 2, L.decimal(axisNumber(t)), anchor: .end, color: .black))
            }
            for t in xTicks {
                figure.shapes.append(.line(x1: px(t), y1: bottom, x2: px(t), y2: bottom + 5, color: .black, width: 1, dashed: false))
                figure.shapes.append(.text(x: px(t), y: bottom + 8 + textHeight, grouped(Int(t), language: L), anchor: .middle, color: .black))
            }
            // Where each epoch ended.
            for end in run.epochEndSteps where end < steps {
                figure.shapes.append(.line(x1: px(Double(end)), y1: top, x2: px(Double(end)), y2: bottom, color: .epoch, width: 1, dashed: true))
            }
            figure.shapes.append(.line(x1: left, y1: top, x2: left, y2: bottom, color: .black, width: 1, dashed: false))
            figure.shapes.append(.line(x1: left, y1: bottom, x2: right, y2: bottom, color: .black, width: 1, dashed: false))
            figure.shapes.append(.text(x: left, y: top - 30, title, anchor: .start, color: .black))
            return py
        }
        func series(_ name: String, _ points: [(x: Double, y: Double)], _ py: (Double) -> Double, _ color: Color) {
            // A loss that became NaN or ∞ breaks the line instead of bending it off the chart.
            var run: [(Double, Double)] = []
            for p in points {
                if p.y.isFinite { run.append((px(p.x), py(p.y))) } else if !run.isEmpty {
                    figure.shapes.append(.polyline(name: name, points: run, color: color, width: 1.5)); run = []
                }
            }
            if !run.isEmpty { figure.shapes.append(.polyline(name: name, points: run, color: color, width: 1.5)) }
        }
        func legend(_ items: [(String, Color)], top: Double) {
            var x = right
            for (label, color) in items.reversed() {
                x -= textWidth(label)
                figure.shapes.append(.text(x: x, y: top - 8, label, anchor: .start, color: color))
                x -= 24
                figure.shapes.append(.line(x1: x, y1: top - 8 - textHeight / 2, x2: x + 16, y2: top - 8 - textHeight / 2, color: color, width: 3, dashed: false))
                x -= 16
            }
        }

        // Loss.
        let losses = run.stepLoss.filter(\.isFinite)
        var (low, high) = (losses.min() ?? 0, losses.max() ?? 1)
        if low == high { (low, high) = (low - 0.5, high + 0.5) }
        let lossTicks = niceTicks(low, high)
        let lossLow = min(low, lossTicks.first ?? low), lossHigh = max(high, lossTicks.last ?? high)
        let lossY = panel(top: 95, bottom: 270, title: L.pick(es: "pérdida (entropía cruzada)", en: "loss (cross-entropy)"),
                          low: lossLow, high: lossHigh, ticks: lossTicks)
        series("loss", reduced(run.stepLoss), lossY, .loss)
        legend([(L.pick(es: "entrenamiento (por paso)", en: "training (per step)"), .loss)], top: 95)

        // Accuracy, 0 to 1.
        let accuracyY = panel(top: 355, bottom: 530, title: L.pick(es: "exactitud", en: "accuracy"),
                              low: 0, high: 1, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1])
        series("train-accuracy", reduced(run.stepAccuracy), accuracyY, .train)
        let tests = zip(run.epochs, run.epochEndSteps).compactMap { record, end in record.testAccuracy.map { (x: Double(end), y: $0) } }
        if tests.count > 1 { series("test-accuracy", tests, accuracyY, .test) }
        for t in tests { figure.shapes.append(.dot(name: "test", x: px(t.x), y: accuracyY(t.y), radius: 4, color: .test)) }
        legend([(L.pick(es: "entrenamiento (por paso)", en: "training (per step)"), .train),
                (L.pick(es: "prueba (fin de cada época)", en: "test (after each epoch)"), .test)], top: 355)
        figure.shapes.append(.text(x: (left + right) / 2, y: 580, L.pick(es: "paso (lote de entrenamiento)", en: "step (training batch)"),
                                   anchor: .middle, color: .black))
        return figure
    }
}

// MARK: - SVG

extension Figure {
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func number(_ x: Double) -> String {
        let r = (x * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    var svg: String {
        var out = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\" font-size=\"13\">",
                   "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>"]
        let n = Figure.number
        for shape in shapes {
            switch shape {
            case let .line(x1, y1, x2, y2, color, width, dashed):
                out.append("<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(color.hex)\" stroke-width=\"\(n(width))\"" + (dashed ? " stroke-dasharray=\"4 4\"" : "") + "/>")
            case let .polyline(name, points, color, width):
                out.append("<polyline class=\"\(name)\" fill=\"none\" stroke=\"\(color.hex)\" stroke-width=\"\(n(width))\" stroke-linejoin=\"round\" points=\""
                           + points.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ") + "\"/>")
            case let .dot(name, x, y, radius, color):
                out.append("<circle class=\"\(name)\" cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"\(n(radius))\" fill=\"\(color.hex)\"/>")
            case let .text(x, y, text, anchor, color):
                out.append("<text x=\"\(n(x))\" y=\"\(n(y))\" text-anchor=\"\(anchor.rawValue)\" fill=\"\(color.hex)\">\(Figure.escape(text))</text>")
            }
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }
}

// MARK: - Raster and PNG

/// An RGB image in memory, row after row.
struct Raster {
    let width: Int, height: Int
    var pixels: [UInt8]

    init(width: Int, height: Int, background: Figure.Color) {
        self.width = width; self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) { pixels[3 * i] = background.r; pixels[3 * i + 1] = background.g; pixels[3 * i + 2] = background.b }
    }

    mutating func set(_ x: Int, _ y: Int, _ c: Figure.Color) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = 3 * (y * width + x)
        pixels[i] = c.r; pixels[i + 1] = c.g; pixels[i + 2] = c.b
    }

    /// A square brush of side `size` centred on (x, y).
    mutating func brush(_ x: Double, _ y: Double, _ size: Double, _ c: Figure.Color) {
        let half = (size - 1) / 2
        for yy in Int((y - half).rounded())...Int((y + half).rounded()) {
            for xx in Int((x - half).rounded())...Int((x + half).rounded()) { set(xx, yy, c) }
        }
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ c: Figure.Color, width: Double, dashed: Bool) {
        let length = max(abs(x2 - x1), abs(y2 - y1))
        let steps = max(1, Int(length.rounded(.up)))
        for i in 0...steps {
            if dashed && (i / 4) % 2 == 1 { continue }
            let t = Double(i) / Double(steps)
            brush(x1 + (x2 - x1) * t, y1 + (y2 - y1) * t, max(1, width.rounded()), c)
        }
    }

    mutating func disc(_ x: Double, _ y: Double, _ r: Double, _ c: Figure.Color) {
        for yy in Int((y - r).rounded(.down))...Int((y + r).rounded(.up)) {
            for xx in Int((x - r).rounded(.down))...Int((x + r).rounded(.up)) where pow(Double(xx) - x, 2) + pow(Double(yy) - y, 2) <= r * r {
                set(xx, yy, c)
            }
        }
    }

    mutating func text(_ x: Double, _ y: Double, _ s: String, _ anchor: Figure.Anchor, _ c: Figure.Color) {
        let scale = Figure.textScale, advance = (Font.width + 1) * scale
        let total = Int(Figure.textWidth(s))
        var left = Int(x.rounded()) - (anchor == .start ? 0 : anchor == .middle ? total / 2 : total)
        let top = Int(y.rounded()) - Font.height * scale
        for ch in s {
            for (row, bits) in Font.glyph(ch).enumerated() {
                for (column, bit) in bits.enumerated() where bit == "#" {
                    for dy in 0..<scale { for dx in 0..<scale { set(left + column * scale + dx, top + row * scale + dy, c) } }
                }
            }
            left += advance
        }
    }

    init(_ figure: Figure) {
        self.init(width: figure.width, height: figure.height, background: .white)
        for shape in figure.shapes {
            switch shape {
            case let .line(x1, y1, x2, y2, color, width, dashed): line(x1, y1, x2, y2, color, width: width, dashed: dashed)
            case let .polyline(_, points, color, width):
                for (a, b) in zip(points, points.dropFirst()) { line(a.0, a.1, b.0, b.1, color, width: max(2, width), dashed: false) }
                if points.count == 1 { brush(points[0].0, points[0].1, 2, color) }
            case let .dot(_, x, y, radius, color): disc(x, y, radius, color)
            case let .text(x, y, s, anchor, color): text(x, y, s, anchor, color)
            }
        }
    }
}

enum PNG {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// CRC-32 (ISO 3309), as PNG chunks need it: zlib's.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        UInt32(bytes.withUnsafeBufferPointer { CZlib.crc32(0, $0.baseAddress, uInt($0.count)) })
    }

    static func bigEndian(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

    /// Length, type, data and the CRC of type and data.
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
    }

    /// An 8-bit RGB PNG: every scanline with filter type 0 (none), compressed by zlib.
    static func encode(_ raster: Raster) -> [UInt8] {
        var scanlines = [UInt8]()
        scanlines.reserveCapacity(raster.height * (1 + raster.width * 3))
        for y in 0..<raster.height {
            scanlines.append(0)
            scanlines += raster.pixels[(y * raster.width * 3)..<((y + 1) * raster.width * 3)]
        }
        var length = compressBound(uLong(scanlines.count))
        var compressed = [UInt8](repeating: 0, count: Int(length))
        let status = compressed.withUnsafeMutableBufferPointer { out in
            scanlines.withUnsafeBufferPointer { input in compress2(out.baseAddress, &length, input.baseAddress, uLong(input.count), 9) }
        }
        precondition(status == Z_OK, "zlib compress2 failed: \(status)")
        compressed.removeLast(compressed.count - Int(length))
        let header = bigEndian(UInt32(raster.width)) + bigEndian(UInt32(raster.height)) + [8, 2, 0, 0, 0]
        return signature + chunk("IHDR", header) + chunk("IDAT", compressed) + chunk("IEND", [])
    }
}

extension Interpreter {
    /// `:plot FILE.svg` or `:plot FILE.png`; `:plot` alone shows the curves where the session draws
    /// (a figure in a notebook, braille charts at the prompt).
    func plot(_ path: String) throws -> String {
        let ext = (path as NSString).pathExtension.lowercased()
        guard path.isEmpty || ext == "svg" || ext == "png" else {
            throw CommandError(es: "uso: :plot (las curvas del último :train aquí), :plot ARCHIVO.svg o :plot ARCHIVO.png (en un archivo)",
                               en: "usage: :plot (the curves of the last :train here), :plot FILE.svg or :plot FILE.png (in a file)")
        }
        guard let run = lastRun, run.steps > 0 else {
            throw CommandError(es: "todavía no hay curvas: entrena un modelo con :train (ver :help train)",
                               en: "there are no curves yet: train a model with :train (see :help train)")
        }
        if path.isEmpty { return curves(run) }
        let figure = Figure.training(run, language: L)
        let bytes: [UInt8] = ext == "svg" ? Array(figure.svg.utf8) : PNG.encode(Raster(figure))
        let url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        do {
            try Data(bytes).write(to: url, options: .atomic)
        } catch {
            throw CommandError(es: "no se puede escribir \(path): \(error.localizedDescription)", en: "cannot write \(path): \(error.localizedDescription)")
        }
        let size = grouped(bytes.count, language: L)
        return L.pick(es: "curvas de `\(run.model)` (\(run.steps) pasos, \(run.epochs.count) épocas) guardadas en \(path) (\(figure.width)×\(figure.height), \(size) bytes)",
                      en: "curves of `\(run.model)` (\(run.steps) steps, \(run.epochs.count) epochs) saved to \(path) (\(figure.width)×\(figure.height), \(size) bytes)")
    }
}
