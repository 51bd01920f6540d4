import CapasMessages

// Which input positions of one axis some window of a convolution or a pooling
// actually reads, and what the rest are:
//
//   padded axis   [ before padding | n image pixels | after padding ]   positions 0 ..< before + n + after
//   window k      reads k·s + j·d for j in 0 ..< f                       k in 0 ..< out
//
// **Flooring does not always drop a pixel**: the positions after the last
// window may all be padding (`conv 3x3 stride=2 pad=1` on 32 pixels leaves
// one padding position unread and every pixel seen). And a stride larger than
// the kernel skips pixels *between* windows whatever the remainder
// (`conv 1x1 stride=2` sees 1 pixel in 2 on each axis).

/// What one axis of a sliding window reads and leaves unread.
public struct WindowCoverage: Sendable, Equatable {
    /// Image pixels after the last position any window reads.
    public var trailingPixels: Int
    /// Padding positions after the last position any window reads.
    public var trailingPadding: Int
    /// Image pixels before the last read position that no window reads
    /// (the windows step over them: stride larger than the kernel, or the gaps of a dilated kernel).
    public var skippedPixels: Int
    /// Image pixels some window reads.
    public var seenPixels: Int
    /// Image pixels on the axis.
    public var pixels: Int

    /// Pixels no window reads.
    public var lostPixels: Int { trailingPixels + skippedPixels }

    /// The coverage of `out` windows of `f` taps `d` apart, starting every `s`
    /// positions, on `n` pixels padded by `before` and `after`. Nil when the
    /// numbers are not a valid window (they are checked before this is asked),
    /// or when a dilated window is too large to walk (more than 10⁷ taps).
    public init?(n: Int, before: Int, after: Int, kernel f: Int, stride s: Int, dilation d: Int = 1, outputs out: Int) {
        guard n >= 1, before >= 0, after >= 0, f >= 1, s >= 1, d >= 1, out >= 1 else { return nil }
        let (length, o1) = n.addingReportingOverflow(before)
        let (padded, o2) = length.addingReportingOverflow(after)
        let (lastStart, o3) = (out - 1).multipliedReportingOverflow(by: s)
        let (lastTap, o4) = (f - 1).multipliedReportingOverflow(by: d)
        let (last, o5) = lastStart.addingReportingOverflow(lastTap)
        guard !(o1 || o2 || o3 || o4 || o5) else { return nil }
        let lastRead = min(last, padded - 1)
        let firstPixel = before, lastPixel = before + n - 1
        pixels = n
        trailingPixels = max(0, min(n, lastPixel - lastRead))
        trailingPadding = (padded - 1 - lastRead) - trailingPixels
        // Pixels read in [firstPixel, min(lastPixel, lastRead)].
        let end = min(lastPixel, lastRead)
        var seen = 0
        if end >= firstPixel {
            if d == 1 {
                // x is read iff x mod s < f (and x ≤ lastRead): count those below m.
                let reach = min(f, s)
                func below(_ m: Int) -> Int { (m / s) * reach + min(m % s, reach) }
                seen = below(end + 1) - below(firstPixel)
            } else {
                let (taps, overflow) = out.multipliedReportingOverflow(by: f)
                guard !overflow, taps <= 10_000_000 else { return nil }
                var read = [Bool](repeating: false, count: end - firstPixel + 1)
                for k in 0..<out {
                    for j in 0..<f {
                        let x = k * s + j * d
                        if x >= firstPixel && x <= end { read[x - firstPixel] = true }
                    }
                }
                seen = read.lazy.filter { $0 }.count
            }
        }
        seenPixels = seen
        skippedPixels = n - trailingPixels - seen
    }
}

extension WindowCoverage {
    /// What flooring drops at the end of the axis, after "the result is floored":
    /// "and on each axis no window reads the last image pixel", or "; on each
    /// axis the last position, which no window reads, is a padding zero, not an
    /// image pixel: no pixel is lost". Nil when nothing is left after the last window.
    /// `which` is "on each axis" / "in width" (or empty), `zeros` says padding is zeros (convolution).
    public func endNote(which: (es: String, en: String), zeros: Bool, language L: Language) -> String? {
        let es = which.es.isEmpty ? "" : " \(which.es)", en = which.en.isEmpty ? "" : " \(which.en)"
        if trailingPixels == 0 {
            guard trailingPadding > 0 else { return nil }
            let one = trailingPadding == 1
            let lost = skippedPixels > 0 ? L.pick(es: "no se pierde ningún píxel al final", en: "no pixel is lost at the end")
                                         : L.pick(es: "no se pierde ningún píxel", en: "no pixel is lost")
            let what = zeros
                ? L.pick(es: one ? "un cero del relleno" : "ceros del relleno", en: one ? "a padding zero" : "padding zeros")
                : L.pick(es: one ? "relleno" : "relleno", en: "padding")
            return L.pick(
                es: one ? ";\(es) la última posición, que ninguna ventana lee, es \(what), no un píxel de la imagen: \(lost)"
                        : ";\(es) las \(trailingPadding) últimas posiciones, que ninguna ventana lee, son \(what), no píxeles de la imagen: \(lost)",
                en: one ? ";\(en) the last position, which no window reads, is \(what), not an image pixel: \(lost)"
                        : ";\(en) the last \(trailingPadding) positions, which no window reads, are \(what), not image pixels: \(lost)")
        }
        let pixelsText = L.pick(
            es: trailingPixels == 1 ? "el último píxel de la imagen" : "los \(trailingPixels) últimos píxeles de la imagen",
            en: trailingPixels == 1 ? "the last image pixel" : "the last \(trailingPixels) image pixels")
        var after = ""
        if trailingPadding > 0 {
            after = L.pick(
                es: trailingPadding == 1 ? " (ni 1 posición de relleno)" : " (ni \(trailingPadding) posiciones de relleno)",
                en: trailingPadding == 1 ? " (nor 1 padding position)" : " (nor \(trailingPadding) padding positions)")
        }
        return L.pick(es: " y\(es) ninguna ventana lee \(pixelsText)\(after)",
                      en: ", and\(en) no window reads \(pixelsText)\(after)")
    }

    /// Pixels the windows step over, or nil when there are none:
    /// "the stride s = 2 is larger than the kernel f = 1: …".
    public func skipNote(which: (es: String, en: String), f: Int, s: Int, d: Int, language L: Language) -> String? {
        guard skippedPixels > 0 else { return nil }
        let es = which.es.isEmpty ? "" : "\(which.es) ", en = which.en.isEmpty ? "" : "\(which.en) "
        let n = grouped(pixels, language: L), k = grouped(skippedPixels, language: L)
        var count = L.pick(es: "\(k) de los \(n) píxeles de la imagen", en: "\(k) of the \(n) image pixels")
        if trailingPixels > 0 {
            count += L.pick(es: " (\(grouped(lostPixels, language: L)) con los del final)",
                            en: " (\(grouped(lostPixels, language: L)) with those at the end)")
        }
        if d == 1 {
            let gap = s - f
            return L.pick(
                es: "el paso s = \(s) es mayor que el núcleo f = \(f): entre una ventana y la siguiente \(gap == 1 ? "queda 1 posición" : "quedan \(gap) posiciones") sin leer, así que \(es)ninguna ventana lee \(count)",
                en: "the stride s = \(s) is larger than the kernel f = \(f): between one window and the next \(gap == 1 ? "1 position is" : "\(gap) positions are") never read, so \(en)no window reads \(count)")
        }
        return L.pick(
            es: "con dilatación d = \(d) y paso s = \(s), algunas posiciones caen entre los elementos del núcleo dilatado de todas las ventanas: \(es)ninguna ventana lee \(count)",
            en: "with dilation d = \(d) and stride s = \(s), some positions fall between the dilated kernel's elements in every window: \(en)no window reads \(count)")
    }
}
