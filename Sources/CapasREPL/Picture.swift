import CapasCore
import CapasMessages

// Pictures in the terminal: dataset images, feature maps and filters.
//
// In colour, each character cell shows two pixels stacked: the upper half
// block ▀ in the upper pixel's colour (foreground) over the lower pixel's
// colour (background), with 24-bit ANSI escapes (ESC[38;2;R;G;Bm and
// ESC[48;2;R;G;Bm); a row of W pixels is W characters wide and two rows are
// one line, so pictures keep their proportions. An escape is written only when
// the colour changes, and every line ends with ESC[0m.
//
// Without colour (not a terminal, NO_COLOR set, TERM=dumb) each pixel is two
// ASCII characters from the ramp " .:-=+*#%@", dark to bright, one line per
// row of pixels (two characters, because a character is about twice as tall as
// it is wide); colour pixels by luminance, 0.299 R + 0.587 G + 0.114 B.

/// How pictures are drawn.
public enum PictureStyle: Sendable, Equatable {
    /// Half blocks with 24-bit colour.
    case color
    /// ASCII brightness ramp, for pipes, files and NO_COLOR.
    case plain
    /// Images for a front end that shows them (the Jupyter kernel): each picture goes to the sink as pixels and leaves no text.
    case pixels(PictureSink)

    /// Colour on a terminal unless `NO_COLOR` is set (to anything not empty, as no-color.org says) or `TERM` is `dumb`.
    public static func choose(outputIsTerminal: Bool, environment: [String: String]) -> PictureStyle {
        guard outputIsTerminal else { return .plain }
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return .plain }
        if environment["TERM"] == "dumb" { return .plain }
        return .color
    }
}

/// A grey or RGB picture with values in 0…1, channels first (C×H×W, C = 1 or 3).
struct Picture: Equatable {
    let width: Int, height: Int, channels: Int
    var values: [Float]

    static let ramp = Array(" .:-=+*#%@")

    init(width: Int, height: Int, channels: Int, values: [Float]) {
        precondition(channels == 1 || channels == 3, "Picture: 1 or 3 channels")
        precondition(values.count == width * height * channels, "Picture: \(values.count) values for \(channels)×\(height)×\(width)")
        self.width = width; self.height = height; self.channels = channels
        self.values = values.map { $0.isNaN ? 0 : Swift.min(1, Swift.max(0, $0)) }
    }

    /// A grey picture of one plane, `low` drawn black and `high` white (a constant plane is mid-grey).
    static func grey(_ plane: ArraySlice<Float>, width: Int, height: Int, low: Float, high: Float) -> Picture {
        let span = high - low
        let values = plane.map { span > 0 && span.isFinite ? ($0 - low) / span : ($0.isFinite ? 0.5 : ($0 > 0 ? 1 : 0)) }
        return Picture(width: width, height: height, channels: 1, values: values)
    }

    /// The (R, G, B) bytes of a pixel.
    func rgb(_ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8) {
        func byte(_ c: Int) -> UInt8 { UInt8((values[(c * height + y) * width + x] * 255).rounded()) }
        return channels == 3 ? (byte(0), byte(1), byte(2)) : { let v = byte(0); return (v, v, v) }()
    }

    /// Brightness of a pixel, 0…1.
    func brightness(_ x: Int, _ y: Int) -> Float {
        guard channels == 3 else { return values[y * width + x] }
        let plane = width * height, i = y * width + x
        return 0.299 * values[i] + 0.587 * values[plane + i] + 0.114 * values[2 * plane + i]
    }

    /// The picture `factor` times smaller: each pixel the mean of a factor×factor box.
    func scaled(down factor: Int) -> Picture {
        guard factor > 1 else { return self }
        let w = (width + factor - 1) / factor, h = (height + factor - 1) / factor
        var out = [Float](repeating: 0, count: channels * w * h)
        for c in 0..<channels {
            for y in 0..<h {
                for x in 0..<w {
                    var sum: Float = 0, n: Float = 0
                    for yy in (y * factor)..<Swift.min(height, (y + 1) * factor) {
                        for xx in (x * factor)..<Swift.min(width, (x + 1) * factor) {
                            sum += values[(c * height + yy) * width + xx]; n += 1
                        }
                    }
                    out[(c * h + y) * w + x] = sum / n
                }
            }
        }
        return Picture(width: w, height: h, channels: channels, values: out)
    }

    /// Each pixel repeated factor×factor times (small filters are easier to see).
    func enlarged(by factor: Int) -> Picture {
        guard factor > 1 else { return self }
        let w = width * factor, h = height * factor
        var out = [Float](repeating: 0, count: channels * w * h)
        for c in 0..<channels {
            for y in 0..<h { for x in 0..<w { out[(c * h + y) * w + x] = values[(c * height + y / factor) * width + x / factor] } }
        }
        return Picture(width: w, height: h, channels: channels, values: out)
    }

    /// Characters a line of the picture takes.
    func textWidth(_ style: PictureStyle) -> Int { style == .plain ? 2 * width : width }

    /// Fits `columns` characters: shrunk when wider, enlarged (in colour) when it has at most 8 pixels a side.
    func fitted(columns: Int, style: PictureStyle) -> Picture {
        if case .pixels = style { return Swift.max(width, height) > PictureSink.largestSide ? scaled(down: (Swift.max(width, height) + PictureSink.largestSide - 1) / PictureSink.largestSide) : self }
        let perPixel = style == .plain ? 2 : 1
        if width * perPixel > columns { return scaled(down: (width * perPixel + columns - 1) / Swift.max(columns, 1)) }
        if style == .color && Swift.max(width, height) <= 8 && width * 2 <= columns { return enlarged(by: 2) }
        return self
    }

    /// The picture as lines of text, each `textWidth(style)` characters wide.
    func lines(_ style: PictureStyle) -> [String] {
        if case let .pixels(sink) = style { sink.keep([Panel(caption: [], picture: self)]); return [] }
        var out: [String] = []
        if style == .plain {
            for y in 0..<height {
                var line = ""
                for x in 0..<width {
                    let v = brightness(x, y)
                    let c = Picture.ramp[Swift.min(Picture.ramp.count - 1, Int(v * Float(Picture.ramp.count)))]
                    line.append(c); line.append(c)
                }
                out.append(line)
            }
            return out
        }
        for y in stride(from: 0, to: height, by: 2) {
            var line = ""
            var foreground: (UInt8, UInt8, UInt8)?, background: (UInt8, UInt8, UInt8)?, plainBackground = false
            for x in 0..<width {
                let top = rgb(x, y)
                if foreground.map({ $0 != top }) ?? true {
                    line += "\u{1B}[38;2;\(top.0);\(top.1);\(top.2)m"
                    foreground = top
                }
                if y + 1 < height {
                    let bottom = rgb(x, y + 1)
                    if background.map({ $0 != bottom }) ?? true {
                        line += "\u{1B}[48;2;\(bottom.0);\(bottom.1);\(bottom.2)m"
                        background = bottom
                    }
                } else if !plainBackground {
                    // An odd last row: the lower half keeps the terminal's own background.
                    line += "\u{1B}[49m"
                    plainBackground = true
                }
                line += "▀"
            }
            out.append(line + "\u{1B}[0m")
        }
        return out
    }
}

/// A picture with a caption above it, for laying several side by side.
struct Panel {
    var caption: [String]
    var picture: Picture

    func width(_ style: PictureStyle) -> Int { Swift.max(picture.textWidth(style), caption.map(\.count).max() ?? 0) }

    /// Panels left to right, wrapped to `columns` characters, two spaces apart.
    static func layout(_ panels: [Panel], style: PictureStyle, columns: Int) -> String {
        if case let .pixels(sink) = style { sink.keep(panels); return "" }
        var rows: [[Panel]] = [[]], used = 0
        for panel in panels {
            if !rows[rows.count - 1].isEmpty && used + 2 + panel.width(style) > columns { rows.append([]); used = 0 }
            used += (rows[rows.count - 1].isEmpty ? 0 : 2) + panel.width(style)
            rows[rows.count - 1].append(panel)
        }
        var out: [String] = []
        for row in rows where !row.isEmpty {
            let captionLines = row.map(\.caption.count).max() ?? 0
            let drawnLines = row.map { $0.picture.lines(style) }
            let pictureLines = drawnLines.map(\.count).max() ?? 0
            let drawn = drawnLines
            for i in 0..<(captionLines + pictureLines) {
                var line = ""
                for (k, panel) in row.enumerated() {
                    if k > 0 { line += "  " }
                    let text: String, visible: Int
                    if i < captionLines {
                        text = i < panel.caption.count ? panel.caption[i] : ""
                        visible = text.count
                    } else if i - captionLines < drawn[k].count {
                        text = drawn[k][i - captionLines]
                        visible = panel.picture.textWidth(style)
                    } else {
                        text = ""; visible = 0
                    }
                    line += text
                    if k < row.count - 1 { line += String(repeating: " ", count: panel.width(style) - visible) }
                }
                while line.last == " " { line.removeLast() }
                out.append(line)
            }
        }
        return out.joined(separator: "\n")
    }
}

/// A value range as the learner reads it: "−0.25 … 3.5".
func rangeText(_ low: Float, _ high: Float, _ L: Language) -> String {
    "\(format(Double(low), L)) … \(format(Double(high), L))"
}
