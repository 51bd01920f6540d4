// How many terminal columns a text takes: the one measure for tables,
// matrices, completion listings and wrapping. `count` counts Characters, and
// a Character may take 0 columns (an escape sequence), 1 or 2 (东, 한).

/// The columns `text` takes on a terminal: East Asian wide and fullwidth
/// characters 2, combining marks and other zero-width scalars 0, ANSI escape
/// sequences (colours, cursor moves) 0, everything else 1. For one line:
/// a newline counts 0.
public func displayWidth<S: StringProtocol>(_ text: S) -> Int {
    var width = 0
    var escape = EscapeState.none
    for scalar in text.unicodeScalars {
        if escape.consume(scalar) { continue }
        width += scalarWidth(scalar)
    }
    return width
}

/// `text` without its ANSI escape sequences (what a file should hold).
public func strippingANSI(_ text: String) -> String {
    guard text.unicodeScalars.contains("\u{1B}") else { return text }
    var out = String.UnicodeScalarView()
    var escape = EscapeState.none
    for scalar in text.unicodeScalars where !escape.consume(scalar) {
        out.append(scalar)
    }
    return String(out)
}

/// The columns one scalar takes outside escape sequences.
public func scalarWidth(_ scalar: Unicode.Scalar) -> Int {
    let v = scalar.value
    if v < 0x20 || (v >= 0x7F && v < 0xA0) { return 0 }  // control characters
    if v < 0x300 { return 1 }  // Latin, fast path
    switch scalar.properties.generalCategory {
    case .nonspacingMark, .enclosingMark, .format: return 0
    default: break
    }
    if v >= 0x1160 && v <= 0x11FF { return 0 }  // Hangul medial vowels and final consonants
    return isWide(v) ? 2 : 1
}

/// East Asian Wide (W) and Fullwidth (F) ranges, and emoji shown wide.
private func isWide(_ v: UInt32) -> Bool {
    switch v {
    case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0, 0x23F3,
         0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F, 0x2693, 0x26A1, 0x26AA...0x26AB,
         0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE, 0x26D4, 0x26EA, 0x26F2...0x26F3, 0x26F5, 0x26FA,
         0x26FD, 0x2705, 0x270A...0x270B, 0x2728, 0x274C, 0x274E, 0x2753...0x2755, 0x2757,
         0x2795...0x2797, 0x27B0, 0x27BF, 0x2B1B...0x2B1C, 0x2B50, 0x2B55,
         0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
         0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F,
         0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x16FE4, 0x17000...0x18CFF, 0x1B000...0x1B2FF,
         0x1F004, 0x1F0CF, 0x1F18E, 0x1F191...0x1F19A, 0x1F200...0x1F251, 0x1F300...0x1F64F,
         0x1F680...0x1F6FF, 0x1F7E0...0x1F7EB, 0x1F90C...0x1F9FF, 0x1FA70...0x1FAFF,
         0x20000...0x2FFFD, 0x30000...0x3FFFD:
        return true
    default:
        return false
    }
}

/// Where a scan is inside an escape sequence: ESC [ … final (CSI), ESC ] …
/// BEL or ESC \ (OSC), or ESC and one character.
private enum EscapeState {
    case none, escape, csi, osc, oscEscape

    /// Whether `scalar` belongs to an escape sequence (and so takes no column).
    mutating func consume(_ scalar: Unicode.Scalar) -> Bool {
        switch self {
        case .none:
            if scalar == "\u{1B}" { self = .escape; return true }
            return false
        case .escape:
            self = scalar == "[" ? .csi : scalar == "]" ? .osc : .none
            return true
        case .csi:
            if (0x40...0x7E).contains(scalar.value) { self = .none }
            return true
        case .osc:
            if scalar == "\u{07}" { self = .none } else if scalar == "\u{1B}" { self = .oscEscape }
            return true
        case .oscEscape:
            self = .none
            return true
        }
    }
}

extension StringProtocol {
    /// The columns this text takes on a terminal (`displayWidth`).
    public var displayWidth: Int { CapasMessages.displayWidth(self) }
}
