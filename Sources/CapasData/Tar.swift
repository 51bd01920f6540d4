import Foundation

/// A minimal reader for POSIX ustar archives (what CIFAR-10's .tar.gz holds).
/// Refuses absolute paths and `..`, so nothing is written outside the target folder.
public enum Tar {
    public struct Entry { public let path: String; public let contents: [UInt8]; public let isDirectory: Bool }

    public static func entries(_ bytes: [UInt8], file: String) throws -> [Entry] {
        var entries: [Entry] = []
        var offset = 0
        while offset + 512 <= bytes.count {
            let header = Array(bytes[offset..<(offset + 512)])
            if header.allSatisfy({ $0 == 0 }) { break }
            let name = string(header[0..<100])
            let prefix = string(header[345..<500])
            let path = prefix.isEmpty ? name : prefix + "/" + name
            guard let size = Int(string(header[124..<136]).trimmingCharacters(in: .whitespaces), radix: 8), size >= 0 else {
                throw DataError(.corruptArchive("bad size field for \(path)"), file: file)
            }
            let type = header[156]
            let start = offset + 512
            guard size <= bytes.count - start else {
                throw DataError(.corruptArchive("\(path) runs past the end"), file: file)
            }
            let components = path.split(separator: "/")
            guard !path.hasPrefix("/"), !components.contains("..") else {
                throw DataError(.unsafeArchivePath(path), file: file)
            }
            if type == UInt8(ascii: "0") || type == 0 || type == UInt8(ascii: "5") {
                entries.append(Entry(path: path, contents: Array(bytes[start..<(start + size)]), isDirectory: type == UInt8(ascii: "5")))
            }
            offset = start + (size + 511) / 512 * 512
        }
        return entries
    }

    /// Extracts into `directory`; returns the files written.
    @discardableResult
    public static func extract(_ bytes: [UInt8], into directory: URL, file: String) throws -> [URL] {
        var written: [URL] = []
        for entry in try entries(bytes, file: file) {
            let target = directory.appendingPathComponent(entry.path)
            if entry.isDirectory {
                try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
                continue
            }
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(entry.contents).write(to: target, options: .atomic)
            written.append(target)
        }
        return written
    }

    /// Builds an archive (for tests).
    public static func archive(_ files: [(path: String, contents: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        for (path, contents) in files {
            var header = [UInt8](repeating: 0, count: 512)
            for (i, b) in Array(path.utf8.prefix(100)).enumerated() { header[i] = b }
            func field(_ text: String, _ at: Int) { for (i, b) in Array(text.utf8).enumerated() { header[at + i] = b } }
            field("0000644", 100); field("0000000", 108); field("0000000", 116)
            field(String(String(contents.count, radix: 8).reversed()).padding(toLength: 11, withPad: "0", startingAt: 0).reversed().map(String.init).joined(), 124)
            field("00000000000", 136)
            header[156] = UInt8(ascii: "0")
            field("ustar", 257); field("00", 263)
            for i in 148..<156 { header[i] = 0x20 }
            let checksum = header.reduce(0) { $0 + Int($1) }
            field(String(String(checksum, radix: 8).reversed()).padding(toLength: 6, withPad: "0", startingAt: 0).reversed().map(String.init).joined(), 148)
            header[154] = 0; header[155] = 0x20
            out += header + contents + [UInt8](repeating: 0, count: (512 - contents.count % 512) % 512)
        }
        return out + [UInt8](repeating: 0, count: 1024)
    }

    private static func string(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
}
