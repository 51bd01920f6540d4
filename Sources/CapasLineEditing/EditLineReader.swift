import CLineEditing
import Foundation

/// Reads lines on a terminal through libedit: editing keys, Up/Down history,
/// Ctrl-R search and Tab completion.
///
/// **Only one may be alive at a time**: libedit's readline interface is one
/// global editor, so a second reader takes over the history and completion.
/// History is written to `historyFile` (folder created as needed, mode 0600)
/// after every `remember` and again on `close()` or deinit; it keeps the last
/// `maxHistory` entries. Two REPLs sharing the file each write their own
/// session's view: the last to write wins.
public final class EditLineReader: LineReader {
    public let historyFile: URL?
    public let maxHistory: Int
    private let completer: Completer?
    private var lastEntry: String?
    private var isClosed = false

    public init(historyFile: URL?, completer: Completer?, maxHistory: Int = 1000) {
        self.historyFile = historyFile
        self.maxHistory = max(1, maxHistory)
        self.completer = completer
        cle_initialize()
        Interrupt.install()
        cle_history_reset(Int32(clamping: self.maxHistory))
        if let historyFile, FileManager.default.fileExists(atPath: historyFile.path) {
            _ = cle_history_load(historyFile.path)
        }
        if let newest = cle_history_newest() {
            lastEntry = String(cString: newest)
            free(newest)
        }
        CompletionBridge.completer = completer
        cle_set_completion(completer == nil ? nil : CompletionBridge.callback)
        cle_set_listing(completer == nil ? nil : CompletionBridge.listing)
    }

    deinit {
        close()
    }

    /// Shows `prompt` and reads one edited line. Ctrl-C gives `.interrupted`
    /// (after echoing `^C` and a newline), Ctrl-D on an empty line
    /// `.endOfInput`.
    public func read(prompt: String) -> LineInput {
        Interrupt.clear()
        guard let text = cle_read_line(prompt) else {
            return Interrupt.requested ? .interrupted : .endOfInput
        }
        defer { free(text) }
        return .line(String(cString: text))  // repairs invalid UTF-8 with U+FFFD
    }

    /// Adds `entry` to the history and saves the file. Blank entries and a
    /// repeat of the previous entry are not recorded.
    public func remember(_ entry: String) {
        guard !entry.allSatisfy(\.isWhitespace), entry != lastEntry else { return }
        lastEntry = entry
        cle_history_add(entry)
        saveHistory()
    }

    /// Saves the history and detaches the completer. Reading after `close()`
    /// still works, without completion. Called by deinit.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        saveHistory()
        if CompletionBridge.completer === completer {
            CompletionBridge.completer = nil
            cle_set_completion(nil)
            cle_set_listing(nil)
        }
    }

    private func saveHistory() {
        guard let historyFile else { return }
        let folder = historyFile.deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if cle_history_save(historyFile.path) == 0 {
            chmod(historyFile.path, 0o600)
        }
    }
}

/// Carries the current `Completer` to libedit's C callback, which cannot
/// capture anything.
enum CompletionBridge {
    nonisolated(unsafe) static var completer: Completer?

    static let callback: cle_completion_callback = { line, word in
        guard let completer = CompletionBridge.completer else { return nil }
        let before = String(cString: line)
        let libeditWord = String(cString: word)
        let (wordStart, candidates) = completer.completions(lineBeforeCursor: before)
        let replacements = libeditReplacements(
            line: before, libeditWord: libeditWord, wordStart: wordStart, candidates: candidates)
        if replacements.isEmpty { return nil }
        guard let array = calloc(replacements.count + 1, MemoryLayout<UnsafeMutablePointer<CChar>?>.stride)?
            .bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: replacements.count + 1)
        else { return nil }
        for (i, replacement) in replacements.enumerated() {
            array[i] = strdup(replacement)
        }
        return array
    }

    /// Lays out the candidates of a second Tab in terminal columns.
    static let listing: cle_listing_callback = { candidates, count, columns in
        let names = (0..<Int(max(count, 0))).compactMap { candidates[$0].map { String(cString: $0) } }
        let lines = CompletionListing.lines(names, width: Int(columns))
        if lines.isEmpty { return nil }
        return strdup(lines.map { $0 + "\n" }.joined())
    }

    /// The completer's candidates replace `line` from its `wordStart`-th
    /// Character; libedit replaces `libeditWord`, the suffix of `line` after
    /// the last white space. Rewrites the first into the second: a candidate
    /// gains the text between libedit's word start and the completer's, or
    /// loses the text between the completer's word start and libedit's (and
    /// is dropped if it does not begin with it). Order kept, duplicates gone.
    static func libeditReplacements(line: String, libeditWord: String, wordStart: Int,
                                    candidates: [String]) -> [String] {
        let lineBytes = Array(line.utf8)
        let wordBytes = Array(libeditWord.utf8)
        let libeditStart = lineBytes.count >= wordBytes.count
            && lineBytes[(lineBytes.count - wordBytes.count)...].elementsEqual(wordBytes)
            ? lineBytes.count - wordBytes.count : lineBytes.count
        let characterStart = min(max(wordStart, 0), line.count)
        let completerStart = line.utf8.distance(
            from: line.utf8.startIndex,
            to: line.index(line.startIndex, offsetBy: characterStart))
        var seen = Set<String>()
        var result: [String] = []
        for candidate in candidates {
            let replacement: String
            if completerStart <= libeditStart {
                let typed = lineBytes[completerStart..<libeditStart]
                let bytes = Array(candidate.utf8)
                guard bytes.starts(with: typed) else { continue }
                replacement = String(decoding: bytes[typed.count...], as: UTF8.self)
            } else {
                replacement = String(decoding: lineBytes[libeditStart..<completerStart], as: UTF8.self) + candidate
            }
            if seen.insert(replacement).inserted {
                result.append(replacement)
            }
        }
        return result
    }
}
