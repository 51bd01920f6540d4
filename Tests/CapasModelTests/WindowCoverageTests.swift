import CapasCore
import CapasMessages
@testable import CapasModel
import XCTest

/// What the flooring and stride notes say is lost, checked against the
/// definition: for every window k and tap j, position k·s + j·d of the padded
/// axis is read; everything else is padding or an image pixel nobody sees.
final class WindowCoverageTests: XCTestCase {
    struct Truth { var trailingPixels = 0, trailingPadding = 0, skippedPixels = 0, seenPixels = 0 }

    /// The read positions by brute force.
    func truth(n: Int, p: Int, f: Int, s: Int, d: Int, out: Int) -> Truth {
        let length = n + 2 * p
        var read = [Bool](repeating: false, count: length)
        for k in 0..<out { for j in 0..<f where k * s + j * d < length { read[k * s + j * d] = true } }
        let last = read.lastIndex(of: true)!
        var t = Truth()
        for x in 0..<length {
            let pixel = x >= p && x < p + n
            if read[x] { if pixel { t.seenPixels += 1 }; continue }
            if x > last { if pixel { t.trailingPixels += 1 } else { t.trailingPadding += 1 } }
            else if pixel { t.skippedPixels += 1 }
        }
        return t
    }

    func testCoverageMatchesTheDefinition() {
        var cases = 0
        for n in 1...13 { for f in 1...5 { for s in 1...5 { for p in 0...3 { for d in 1...3 {
            let span = d * (f - 1) + 1
            guard n + 2 * p >= span else { continue }
            let out = (n + 2 * p - span) / s + 1
            let t = truth(n: n, p: p, f: f, s: s, d: d, out: out)
            guard let c = WindowCoverage(n: n, before: p, after: p, kernel: f, stride: s, dilation: d, outputs: out) else {
                return XCTFail("no coverage for n=\(n) f=\(f) s=\(s) p=\(p) d=\(d)")
            }
            let where_ = "n=\(n) f=\(f) s=\(s) p=\(p) d=\(d)"
            XCTAssertEqual(c.trailingPixels, t.trailingPixels, where_)
            XCTAssertEqual(c.trailingPadding, t.trailingPadding, where_)
            XCTAssertEqual(c.skippedPixels, t.skippedPixels, where_)
            XCTAssertEqual(c.seenPixels, t.seenPixels, where_)
            cases += 1
        } } } } }
        XCTAssertGreaterThan(cases, 1000)
    }

    /// The explanation of `conv` says exactly what the definition says is lost, with the counts.
    func testExplanationNotesSayWhatIsLost() throws {
        var checked = 0
        for n in 3...12 { for f in 1...4 { for s in 1...4 { for p in 0...(f / 2) { for d in 1...2 {
            let span = d * (f - 1) + 1
            guard n + 2 * p >= span else { continue }
            let out = (n + 2 * p - span) / s + 1
            let t = truth(n: n, p: p, f: f, s: s, d: d, out: out)
            let text = "input \(n)x\(n)x1\nconv 1 \(f)x\(f) stride=\(s) pad=\(p) dilation=\(d)"
            let layer = try ModelAnalysis(text: text).layers[0]
            let notes = layer.explanation(language: .en).notes.joined(separator: "\n")
            let remainder = (n + 2 * p - span) % s
            XCTAssertEqual(notes.contains("is not divisible"), remainder != 0, text)
            if remainder != 0 {
                XCTAssertEqual(t.trailingPixels + t.trailingPadding, remainder, text)
                if t.trailingPixels == 0 {
                    XCTAssertEqual(notes.contains("no pixel is lost at the end"), t.skippedPixels > 0, "\(text)\n\(notes)")
                    XCTAssertTrue(notes.contains(t.trailingPadding == 1
                        ? "on each axis the last position, which no window reads, is a padding zero, not an image pixel: no pixel is lost"
                        : "on each axis the last \(t.trailingPadding) positions, which no window reads, are padding zeros"), "\(text)\n\(notes)")
                } else {
                    XCTAssertTrue(notes.contains(t.trailingPixels == 1 ? "on each axis no window reads the last image pixel"
                                                                       : "on each axis no window reads the last \(t.trailingPixels) image pixels"),
                                  "\(text)\n\(notes)")
                    XCTAssertFalse(notes.contains("no pixel is lost"), text)
                }
            }
            if t.skippedPixels > 0 {
                XCTAssertTrue(notes.contains("on each axis no window reads \(t.skippedPixels) of the \(n) image pixels"), "\(text)\n\(notes)")
            } else {
                XCTAssertFalse(notes.contains(" of the \(n) image pixels"), "\(text)\n\(notes)")
            }
            let lost = n * n - t.seenPixels * t.seenPixels
            if lost > 0 {
                XCTAssertTrue(notes.contains("in all, no window reads \(lost) of the \(n)·\(n) = \(n * n) pixels of each channel"), "\(text)\n\(notes)")
            } else {
                XCTAssertFalse(notes.contains("no window reads the last") || notes.contains("in all"), "\(text)\n\(notes)")
            }
            checked += 1
        } } } } }
        XCTAssertGreaterThan(checked, 300)
    }

    /// The two cases that used to say "the last border pixel is dropped".
    func testPaddingOnlyAndStrideLargerThanTheKernel() throws {
        let padded = try ModelAnalysis(text: "input 32x32x3\nconv 128 3x3 stride=2 pad=1").layers[0]
        XCTAssertEqual(padded.explanation(language: .en).notes, [
            "(n + 2p − f) = 31 is not divisible by s = 2: the result is floored; on each axis the last position, which no window reads, is a padding zero, not an image pixel: no pixel is lost",
        ])
        XCTAssertEqual(padded.explanation(language: .es).notes, [
            "(n + 2p − f) = 31 no es divisible por s = 2: el resultado se redondea hacia abajo; en cada eje la última posición, que ninguna ventana lee, es un cero del relleno, no un píxel de la imagen: no se pierde ningún píxel",
        ])
        let skipping = try ModelAnalysis(text: "input 32x32x3\nconv 8 1x1 stride=2").layers[0]
        XCTAssertEqual(skipping.explanation(language: .en).notes, [
            "(n + 2p − f) = 31 is not divisible by s = 2: the result is floored, and on each axis no window reads the last image pixel",
            "the stride s = 2 is larger than the kernel f = 1: between one window and the next 1 position is never read, so on each axis no window reads 15 of the 32 image pixels (16 with those at the end)",
            "in all, no window reads 768 of the 32·32 = 1,024 pixels of each channel",
        ])
        XCTAssertEqual(skipping.explanation(language: .es).notes, [
            "(n + 2p − f) = 31 no es divisible por s = 2: el resultado se redondea hacia abajo y en cada eje ninguna ventana lee el último píxel de la imagen",
            "el paso s = 2 es mayor que el núcleo f = 1: entre una ventana y la siguiente queda 1 posición sin leer, así que en cada eje ninguna ventana lee 15 de los 32 píxeles de la imagen (16 con los del final)",
            "en total, ninguna ventana lee 768 de los 32·32 = 1024 píxeles de cada canal",
        ])
        // Exact division, stride larger than the kernel: no flooring, still pixels skipped.
        let exact = try ModelAnalysis(text: "input 31x31x1\nmaxpool 1 stride=2").layers[0].explanation(language: .en).notes
        XCTAssertEqual(exact.count, 2, "\(exact)")
        XCTAssertTrue(exact[0].contains("no window reads 15 of the 31 image pixels"), "\(exact)")
    }
}
