import Foundation

/// What `:train` reports while it runs, as one output that is updated in place:
/// a `display_data` with a display id, then `update_display_data` with the same
/// id, as a notebook shows a redrawn progress bar. The text arrives as it would
/// on a terminal (`\r` starts the line again, `ESC[K` clears it, `\n` ends it);
/// the display holds the finished lines and the line being drawn.
/// Updates are sent at most every `interval` seconds; `finish` sends the last
/// state when it was held back, so the notebook keeps exactly what was reported.
final class ProgressDisplay {
    /// Sends one message on IOPub: its type and content.
    let send: (String, [String: Any]) -> Void
    let interval: TimeInterval
    private var lines: [String] = [], current = ""
    private var id: String?
    private var lastSent = Date.distantPast
    private var held = false

    init(interval: TimeInterval = 0.2, send: @escaping (String, [String: Any]) -> Void) {
        self.interval = interval
        self.send = send
    }

    /// The text the display shows now.
    var text: String { (current.isEmpty ? lines : lines + [current]).joined(separator: "\n") }

    func write(_ chunk: String) {
        for c in chunk.replacingOccurrences(of: "\u{1B}[K", with: "") {
            switch c {
            case "\r": current = ""
            case "\n", "\r\n": lines.append(current); current = ""
            default: current.append(c)
            }
        }
        if id == nil {
            guard !text.isEmpty else { return }
            let new = UUID().uuidString
            id = new
            lastSent = Date()
            send("display_data", content(new))
        } else if let id, !text.isEmpty, Date().timeIntervalSince(lastSent) >= interval {
            // (A bar cleared before its epoch's line is written: the display waits for the line.)
            lastSent = Date()
            held = false
            send("update_display_data", content(id))
        } else {
            held = true
        }
    }

    /// The entry that reported has ended: its last state goes out, and the next report starts a new display.
    func finish() {
        if let id, held { send("update_display_data", content(id)) }
        lines = []; current = ""; id = nil; held = false; lastSent = .distantPast
    }

    private func content(_ id: String) -> [String: Any] {
        ["data": ["text/plain": text], "metadata": [String: Any](), "transient": ["display_id": id]]
    }
}
