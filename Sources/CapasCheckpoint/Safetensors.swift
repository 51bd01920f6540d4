// Reading and writing the safetensors format (https://github.com/huggingface/safetensors):
//
//   8 bytes   N, little-endian UInt64: the header length
//   N bytes   UTF-8 JSON: {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, …,
//             "__metadata__": {"key": "value", …}}   (padded with spaces)
//   the rest  the byte buffer; offsets are relative to its start; tensors are
//             little-endian and C-contiguous, and together cover it exactly.
//
// The reader follows the reference implementation's rules and reports any
// departure as a CheckpointError naming the file; it never traps on file
// contents and allocates only in proportion to bytes actually present.

import CapasCore
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

public enum Safetensors {
    /// The largest header capas reads: 100 MB, the reference implementation's limit.
    public static let maxHeaderSize = 100_000_000

    // MARK: reading

    /// Reads and validates a safetensors file. Errors name the file by its path.
    public static func read(from url: URL) throws -> Checkpoint {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CheckpointError(file: path, .notFound)
        }
        guard !isDirectory.boolValue else { throw CheckpointError(file: path, .isDirectory) }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw CheckpointError(file: path, .cannotRead(reason: Self.reason(error)))
        }
        return try decode(data, source: path)
    }

    /// Decodes the bytes of a safetensors file; `source` names it in errors.
    public static func decode(_ bytes: [UInt8], source: String) throws -> Checkpoint {
        try bytes.withUnsafeBytes { try decode(buffer: $0, source: source) }
    }

    /// Decodes the bytes of a safetensors file; `source` names it in errors.
    public static func decode(_ data: Data, source: String) throws -> Checkpoint {
        try data.withUnsafeBytes { try decode(buffer: $0, source: source) }
    }

    /// One header entry, checked on its own but not yet against the buffer.
    private struct Entry {
        var name: String
        var index: Int
        var dtype: DType
        var shape: [Int]
        var byteCount: Int
        var begin: Int
        var end: Int
    }

    static func decode(buffer file: UnsafeRawBufferPointer, source: String) throws -> Checkpoint {
        func fail(_ problem: CheckpointError.Problem) -> CheckpointError { CheckpointError(file: source, problem) }

        // 1. The header length.
        guard file.count >= 8 else { throw fail(.tooShort(size: file.count)) }
        let declared = UInt64(littleEndian: file.loadUnaligned(as: UInt64.self))
        guard declared <= UInt64(maxHeaderSize) else {
            throw fail(.oversizedHeader(length: declared, limit: maxHeaderSize))
        }
        let headerLength = Int(declared)  // ≤ 100 MB: fits
        guard headerLength <= file.count - 8 else {
            throw fail(.headerBeyondFile(length: declared, available: file.count - 8))
        }
        let header = UnsafeRawBufferPointer(rebasing: file[8..<(8 + headerLength)])
        let data = UnsafeRawBufferPointer(rebasing: file[(8 + headerLength)...])

        // 2. The header as UTF-8 JSON.
        if let bad = firstInvalidUTF8(header) { throw fail(.headerNotUTF8(offset: bad)) }
        let json: JSONValue
        do {
            json = try JSONParser.parse(header)
        } catch let error as JSONSyntaxError {
            throw fail(.headerNotJSON(offset: error.offset, problem: error.problem))
        }
        guard case .object(let members) = json else { throw fail(.headerNotObject(found: json.kind)) }

        // 3. Each entry on its own.
        var entries: [Entry] = []
        entries.reserveCapacity(members.count)
        var metadata: [String: String] = [:]
        var seen = Set<String>()
        for (key, value) in members {
            guard seen.insert(key).inserted else { throw fail(.duplicateName(key)) }
            if key == "__metadata__" {
                metadata = try parseMetadata(value, fail: fail)
            } else {
                entries.append(try parseEntry(key, value, index: entries.count, fail: fail))
            }
        }

        // 4. Offsets against each other and against the buffer, in file order.
        let sorted = entries.sorted { ($0.begin, $0.end, $0.index) < ($1.begin, $1.end, $1.index) }
        var position = 0
        var previous: String?
        for (k, entry) in sorted.enumerated() {
            guard entry.end >= entry.begin else {
                throw fail(.reversedOffsets(tensor: entry.name, begin: entry.begin, end: entry.end))
            }
            if entry.end > data.count {
                // A consistent header whose data stops early is a cut-off file;
                // anything else is an entry that points outside the buffer.
                let consistent = sorted[k...].allSatisfy { $0.end - $0.begin == $0.byteCount }
                    && zip(sorted[k...], sorted[(k + 1)...]).allSatisfy { $0.end == $1.begin }
                if entry.begin == position && consistent {
                    throw fail(.truncated(needed: sorted.map(\.end).max() ?? entry.end, bufferSize: data.count))
                }
                throw fail(.offsetsOutOfRange(tensor: entry.name, begin: entry.begin, end: entry.end,
                                              bufferSize: data.count))
            }
            guard entry.end - entry.begin == entry.byteCount else {
                throw fail(.sizeMismatch(tensor: entry.name, dtype: entry.dtype.rawValue, shape: entry.shape,
                                         expected: entry.byteCount, actual: entry.end - entry.begin))
            }
            if entry.begin < position, let previous {
                throw fail(.overlappingOffsets(tensor: entry.name, begin: entry.begin, other: previous,
                                               otherEnd: position))
            }
            if entry.begin > position {
                throw fail(.gapBetweenTensors(previous: previous, next: entry.name, from: position, to: entry.begin))
            }
            position = entry.end
            previous = entry.name
        }
        guard position == data.count else { throw fail(.trailingBytes(from: position, bufferSize: data.count)) }

        // 5. The values. Every byte range is now inside `data`.
        var checkpoint = Checkpoint(metadata: metadata, source: source)
        checkpoint.order.reserveCapacity(sorted.count)
        for entry in sorted {
            let count = entry.byteCount / entry.dtype.size
            let bytes = UnsafeRawBufferPointer(rebasing: data[entry.begin..<entry.end])
            let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                entry.dtype.convert(bytes, into: UnsafeMutableBufferPointer(rebasing: buffer[0..<count]))
                initialized = count
            }
            let tensor: Tensor
            do {
                tensor = try Tensor(validating: entry.shape, data: values)
            } catch {
                // Unreachable: the shape's product was checked against the byte count.
                throw fail(.sizeMismatch(tensor: entry.name, dtype: entry.dtype.rawValue, shape: entry.shape,
                                         expected: entry.byteCount, actual: entry.end - entry.begin))
            }
            checkpoint.tensors[entry.name] = tensor
            checkpoint.storedTypes[entry.name] = entry.dtype
            checkpoint.order.append(entry.name)
        }
        return checkpoint
    }

    private static func parseMetadata(_ value: JSONValue,
                                      fail: (CheckpointError.Problem) -> CheckpointError) throws -> [String: String] {
        switch value {
        case .null:
            return [:]
        case .object(let pairs):
            var metadata: [String: String] = [:]
            for (key, value) in pairs {
                guard case .string(let text) = value else {
                    throw fail(.metadataNotString(key: key, found: value.kind))
                }
                guard metadata.updateValue(text, forKey: key) == nil else {
                    throw fail(.duplicateMetadataKey(key))
                }
            }
            return metadata
        default:
            throw fail(.metadataNotObject(found: value.kind))
        }
    }

    private static func parseEntry(_ name: String, _ value: JSONValue, index: Int,
                                   fail: (CheckpointError.Problem) -> CheckpointError) throws -> Entry {
        guard case .object(let fields) = value else { throw fail(.tensorNotObject(tensor: name, found: value.kind)) }
        var dtypeValue: JSONValue?, shapeValue: JSONValue?, offsetsValue: JSONValue?
        for (field, value) in fields {
            switch field {
            case "dtype":
                guard dtypeValue == nil else { throw fail(.duplicateField(tensor: name, field: field)) }
                dtypeValue = value
            case "shape":
                guard shapeValue == nil else { throw fail(.duplicateField(tensor: name, field: field)) }
                shapeValue = value
            case "data_offsets":
                guard offsetsValue == nil else { throw fail(.duplicateField(tensor: name, field: field)) }
                offsetsValue = value
            default:
                break  // Unknown fields are ignored, as the reference does.
            }
        }
        guard let dtypeValue else { throw fail(.missingField(tensor: name, field: "dtype")) }
        guard let shapeValue else { throw fail(.missingField(tensor: name, field: "shape")) }
        guard let offsetsValue else { throw fail(.missingField(tensor: name, field: "data_offsets")) }

        guard case .string(let dtypeName) = dtypeValue else {
            throw fail(.malformedField(tensor: name, field: "dtype", found: dtypeValue.preview()))
        }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw fail(.unknownDType(tensor: name, dtype: dtypeName))
        }

        // Integers only: "2.0" or "1e3" are not dimensions or offsets (serde agrees).
        func integers(_ value: JSONValue, field: String) throws -> [Int] {
            guard case .array(let items) = value else {
                throw fail(.malformedField(tensor: name, field: field, found: value.preview()))
            }
            return try items.map { item in
                guard case .number(let text) = item, !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" })
                else { throw fail(.malformedField(tensor: name, field: field, found: value.preview())) }
                guard let number = Int(text) else { throw fail(.numberTooLarge(tensor: name, field: field, text: text)) }
                return number
            }
        }
        let shape = try integers(shapeValue, field: "shape")
        guard shape.allSatisfy({ $0 >= 0 }) else { throw fail(.negativeDimension(tensor: name, shape: shape)) }
        guard let elements = shape.checkedProduct else { throw fail(.shapeOverflow(tensor: name, shape: shape)) }
        let (byteCount, overflow) = elements.multipliedReportingOverflow(by: dtype.size)
        guard !overflow else { throw fail(.shapeOverflow(tensor: name, shape: shape)) }

        let offsets = try integers(offsetsValue, field: "data_offsets")
        guard offsets.count == 2, offsets[0] >= 0, offsets[1] >= 0 else {
            throw fail(.malformedField(tensor: name, field: "data_offsets", found: offsetsValue.preview()))
        }
        return Entry(name: name, index: index, dtype: dtype, shape: shape, byteCount: byteCount,
                     begin: offsets[0], end: offsets[1])
    }

    /// The offset of the first byte that is not part of valid UTF-8, or nil.
    static func firstInvalidUTF8(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        var offset = 0
        // Track how many bytes each scalar used to report the offset of a bad one.
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                offset += UTF8.width(scalar)
            case .emptyInput:
                return nil
            case .error:
                return offset
            }
        }
    }

    // MARK: writing

    /// The bytes of a safetensors file holding `checkpoint`: every tensor as F32,
    /// in `orderedNames` order, the metadata under `__metadata__`, and the header
    /// padded with spaces to a multiple of 8 bytes (as the reference writer does).
    ///
    /// - Precondition: no tensor is named `__metadata__` (`write` reports this as an error).
    public static func encode(_ checkpoint: Checkpoint) -> [UInt8] {
        precondition(checkpoint.tensors["__metadata__"] == nil,
                     "Safetensors.encode: a tensor cannot be named __metadata__")
        let named = checkpoint.orderedNames.compactMap { name in checkpoint.tensors[name].map { (name, $0) } }
        var header = "{"
        var first = true
        if !checkpoint.metadata.isEmpty {
            header += "\"__metadata__\":{"
            header += checkpoint.metadata.sorted { $0.key < $1.key }.map { key, value in
                JSONWriter.quoted(key) + ":" + JSONWriter.quoted(value)
            }.joined(separator: ",")
            header += "}"
            first = false
        }
        var offset = 0
        for (name, tensor) in named {
            let end = offset + tensor.count * 4
            if !first { header += "," }
            first = false
            header += JSONWriter.quoted(name) + ":{\"dtype\":\"F32\",\"shape\":" + shapeText(tensor.shape)
                + ",\"data_offsets\":[\(offset),\(end)]}"
            offset = end
        }
        header += "}"
        var headerBytes = Array(header.utf8)
        let padding = (8 - headerBytes.count % 8) % 8
        headerBytes += [UInt8](repeating: 0x20, count: padding)

        var out: [UInt8] = []
        out.reserveCapacity(8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out += $0 }
        out += headerBytes
        for (_, tensor) in named {
            let data = tensor.data
            #if _endian(little)
            data.withUnsafeBytes { out += $0 }
            #else
            for value in data { withUnsafeBytes(of: value.bitPattern.littleEndian) { out += $0 } }
            #endif
        }
        return out
    }

    /// Writes `checkpoint` to `url` atomically: the bytes go to a temporary file in
    /// the same directory, which is flushed to disk and then renamed over `url`, so
    /// an existing checkpoint is never replaced by a half-written one.
    public static func write(_ checkpoint: Checkpoint, to url: URL) throws {
        let path = url.path
        guard checkpoint.tensors["__metadata__"] == nil else { throw CheckpointError(file: path, .reservedName) }
        let bytes = encode(checkpoint)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw CheckpointError(file: path, .isDirectory)
        }
        let temporary = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        func failure(_ call: String) -> CheckpointError {
            let code = errno
            let text = String(cString: strerror(code))
            return CheckpointError(file: path, .cannotWrite(reason: "\(call): \(text)"))
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw failure("open") }
        var closed = false
        var renamed = false
        defer {
            if !closed { close(fd) }
            if !renamed { unlink(temporary) }
        }
        try bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var written = 0
            while written < buffer.count {
                let n = systemWrite(fd, base + written, buffer.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw failure("write")
                }
                written += n
            }
        }
        guard fsync(fd) == 0 else { throw failure("fsync") }
        closed = true
        guard close(fd) == 0 else { throw failure("close") }
        guard rename(temporary, path) == 0 else { throw failure("rename") }
        renamed = true
        // Make the rename itself durable (best effort).
        let directoryFD = open(directory, O_RDONLY)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }

    private static func reason(_ error: Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
           underlying.domain == NSPOSIXErrorDomain, let code = Int32(exactly: underlying.code) {
            return String(cString: strerror(code))
        }
        return nsError.localizedDescription
    }
}

/// POSIX write(2) (inside `Safetensors`, `write` names the static method).
private func systemWrite(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, pointer, count)
}
