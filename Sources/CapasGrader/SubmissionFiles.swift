// Reading a learner's submission: every byte of it is hostile, names and
// links included. A file is reached from the submission's folder one
// component at a time with O_NOFOLLOW (a symbolic link anywhere on the way
// is refused, not followed), must be a regular file with no other hard
// link, and is read by content up to a limit. The grader never opens a
// learner's path any other way, so a link to the master solution, the
// course secret or /dev/zero is a named refusal, never a read.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum SubmissionFiles {
    /// Why a file of the submission cannot be used, in the learner's words.
    public struct Refusal: Error, Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            /// Not there at all.
            case missing
            /// Over the size limit.
            case tooLarge
            /// A link, a device, a FIFO, a folder, a hard link, a bad name, an unreadable file.
            case refused
        }
        public var file: String
        public var message: Bilingual
        public var kind: Kind = .refused
    }

    /// The bytes of `relative` for a grader's check: a Data, or the refusal to show.
    public static func data(_ relative: String, in folder: URL, limit: Int) -> Result<Data, Refusal> {
        do { return .success(Data(try read(relative, in: folder, limit: limit))) } catch { return .failure(error) }
    }

    /// The largest file read from a submission unless the caller says otherwise.
    public static let defaultLimit = 64 << 20

    /// The bytes of `relative` inside `folder` (at most `limit`).
    public static func read(_ relative: String, in folder: URL, limit: Int = defaultLimit) throws(Refusal) -> [UInt8] {
        let fd = try open(relative, in: folder)
        defer { close(fd) }
        return try contents(of: fd, name: relative, limit: limit)
    }

    /// Does `relative` exist inside `folder` (as anything, links included, without following them)?
    public static func exists(_ relative: String, in folder: URL) -> Bool {
        guard let parent = try? openFolder(folder.path, shownAs: folder.lastPathComponent) else { return false }
        defer { close(parent) }
        var current = parent
        let parts = components(relative)
        for (index, part) in parts.enumerated() {
            if index == parts.count - 1 {
                var info = stat()
                let found = fstatat(current, part, &info, AT_SYMLINK_NOFOLLOW) == 0
                if current != parent { close(current) }
                return found
            }
            let next = openat(current, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if current != parent { close(current) }
            guard next >= 0 else { return false }
            current = next
        }
        return false
    }

    /// Copies `relative` from `folder` to `destination` (a new file, mode
    /// `mode`) by content.
    public static func copy(_ relative: String, in folder: URL, to destination: String, mode: mode_t = 0o644,
                            limit: Int = defaultLimit) throws(Refusal) {
        try write(read(relative, in: folder, limit: limit), to: destination, mode: mode, name: relative)
    }

    /// The regular file `name` directly inside the folder open on `directory`
    /// (what a sandboxed tool left in its run's folder), never through a link.
    static func read(named name: String, in directory: Int32, limit: Int) throws(Refusal) -> [UInt8] {
        let fd = openat(directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw Refusal(file: name, message: Bilingual("cannot open \(name): \(String(cString: strerror(errno)))")) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw Refusal(file: name, message: Bilingual("\(name) is not a regular file"))
        }
        return try contents(of: fd, name: name, limit: limit)
    }

    /// `bytes` into `destination`, a new file (never an existing one or a link) of mode `mode`.
    static func write(_ bytes: [UInt8], to destination: String, mode: mode_t, name: String) throws(Refusal) {
        let out = Glibc.open(destination, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard out >= 0 else {
            throw Refusal(file: name, message: Bilingual("cannot write \(destination): \(String(cString: strerror(errno)))"))
        }
        defer { close(out) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(out, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                throw Refusal(file: name, message: Bilingual("cannot write \(destination): \(String(cString: strerror(errno)))"))
            }
            offset += written
        }
        fchmod(out, mode)
    }

    /// The refusal for `folder` itself, if it is not a real folder (a
    /// symbolic link to another learner's or the master copy, say).
    public static func checkFolder(_ folder: URL) throws(Refusal) {
        let fd = try openFolder(folder.path, shownAs: folder.lastPathComponent)
        close(fd)
    }

    // MARK: - Descriptors

    static func components(_ relative: String) -> [String] {
        relative.split(separator: "/", omittingEmptySubsequences: true).map(String.init).filter { $0 != "." }
    }

    /// The submission's folder itself: its last component must not be a link.
    static func openFolder(_ path: String, shownAs name: String) throws(Refusal) -> Int32 {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if fd >= 0 { return fd }
        let code = errno
        var info = stat()
        if lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK {
            throw Refusal(file: name, message: Bilingual(
                es: "`\(name)` es un enlace simbólico: entrega la carpeta con sus archivos, no un enlace",
                en: "`\(name)` is a symbolic link: hand in the folder with its files, not a link"))
        }
        throw Refusal(file: name, message: Bilingual(
            es: "no se puede abrir la carpeta `\(name)`: \(String(cString: strerror(code)))",
            en: "cannot open the folder `\(name)`: \(String(cString: strerror(code)))"))
    }

    /// Opens `relative` for reading, one component at a time, never following a link.
    static func open(_ relative: String, in folder: URL) throws(Refusal) -> Int32 {
        let parts = components(relative)
        guard !parts.isEmpty, !parts.contains("..") else {
            throw Refusal(file: relative, message: Bilingual(
                es: "`\(relative)` no es un nombre de archivo dentro de la entrega",
                en: "`\(relative)` is not a file name inside the submission"))
        }
        let root = try openFolder(folder.path, shownAs: folder.lastPathComponent)
        var current = root
        defer { if current >= 0 { close(current) } }
        for (index, part) in parts.enumerated() {
            let last = index == parts.count - 1
            // O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOCTTY: a terminal device never becomes ours.
            let flags = last ? O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC
                : O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
            let next = openat(current, part, flags)
            if next < 0 {
                let code = errno
                var info = stat()
                let shown = parts[...index].joined(separator: "/")
                if fstatat(current, part, &info, AT_SYMLINK_NOFOLLOW) == 0 && info.st_mode & S_IFMT == S_IFLNK {
                    throw Refusal(file: relative, message: Bilingual(
                        es: "`\(shown)` es un enlace simbólico; la entrega debe contener el archivo mismo",
                        en: "`\(shown)` is a symbolic link; the submission must contain the file itself"))
                }
                if code == ENOENT {
                    throw Refusal(file: relative, message: Bilingual(es: "falta el archivo \(relative)", en: "the file \(relative) is missing"),
                                  kind: .missing)
                }
                throw Refusal(file: relative, message: Bilingual(
                    es: "no se puede abrir `\(shown)`: \(String(cString: strerror(code)))",
                    en: "cannot open `\(shown)`: \(String(cString: strerror(code)))"))
            }
            close(current)
            current = next
        }
        var info = stat()
        guard fstat(current, &info) == 0 else {
            throw Refusal(file: relative, message: Bilingual("cannot examine \(relative): \(String(cString: strerror(errno)))"))
        }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG else {
            let what: (es: String, en: String) = switch kind {
            case S_IFDIR: ("una carpeta", "a folder")
            case S_IFIFO: ("una tubería (FIFO)", "a pipe (FIFO)")
            case S_IFSOCK: ("un socket", "a socket")
            case S_IFCHR, S_IFBLK: ("un dispositivo", "a device")
            default: ("algo que no es un archivo", "not a file")
            }
            throw Refusal(file: relative, message: Bilingual(
                es: "`\(relative)` es \(what.es), no un archivo normal", en: "`\(relative)` is \(what.en), not a regular file"))
        }
        guard info.st_nlink <= 1 else {
            throw Refusal(file: relative, message: Bilingual(
                es: "`\(relative)` tiene otros enlaces duros (\(info.st_nlink) nombres para el mismo archivo); entrega una copia",
                en: "`\(relative)` has other hard links (\(info.st_nlink) names for one file); hand in a copy"))
        }
        let fd = current
        current = -1
        return fd
    }

    /// Reads an open regular file whole, refusing more than `limit` bytes.
    static func contents(of fd: Int32, name: String, limit: Int) throws(Refusal) -> [UInt8] {
        var info = stat()
        fstat(fd, &info)
        func tooLarge(_ size: Int) -> Refusal {
            let shown = limit >= 1 << 20 ? "\(limit >> 20) MiB" : "\(limit >> 10) KiB"
            return Refusal(file: name, message: Bilingual(
                es: "`\(name)` pesa \(size) bytes; el corrector lee como mucho \(limit) (\(shown))",
                en: "`\(name)` is \(size) bytes; the grader reads at most \(limit) (\(shown))"), kind: .tooLarge)
        }
        guard Int(info.st_size) <= limit else { throw tooLarge(Int(info.st_size)) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(info.st_size))
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 {
                throw Refusal(file: name, message: Bilingual("cannot read \(name): \(String(cString: strerror(errno)))"))
            }
            if count == 0 { break }
            bytes.append(contentsOf: buffer[..<count])
            // A file that grows while it is read is cut at the limit.
            if bytes.count > limit { throw tooLarge(bytes.count) }
        }
        return bytes
    }
}
