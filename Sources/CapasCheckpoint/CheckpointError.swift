// Why a checkpoint cannot be read, written or used by a model: each case
// carries the numbers involved so the message can name them exactly.

/// An error about a checkpoint file, or about a checkpoint that does not fit a model.
///
/// `message(spanish:)` gives the text in either language; `description` is English.
/// (Conformance to CapasMessages' `LocalizedMessage` waits for the package
/// manifest to list CapasMessages as a dependency of this target.)
public struct CheckpointError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file (path or name) the problem is in; nil for a checkpoint built in memory.
    public var file: String?
    public var problem: Problem

    public init(file: String?, _ problem: Problem) {
        self.file = file
        self.problem = problem
    }

    public enum Problem: Equatable, Sendable {
        // Files
        case notFound
        case isDirectory
        /// Reading failed; `reason` is the system's explanation.
        case cannotRead(reason: String)
        /// Writing failed; `reason` is the system's explanation.
        case cannotWrite(reason: String)

        // The 8-byte prefix and the header
        /// Fewer than the 8 bytes that hold the header length.
        case tooShort(size: Int)
        /// The header length is above capas' limit (`Safetensors.maxHeaderSize`).
        case oversizedHeader(length: UInt64, limit: Int)
        /// The header length goes past the end of the file.
        case headerBeyondFile(length: UInt64, available: Int)
        /// The header bytes are not UTF-8 (the first bad byte is at `offset` within the header).
        case headerNotUTF8(offset: Int)
        /// The header is not JSON; `offset` is within the header.
        case headerNotJSON(offset: Int, problem: JSONProblem)
        /// The header is JSON but not an object.
        case headerNotObject(found: JSONKind)

        // Entries of the header
        case duplicateName(String)
        case tensorNotObject(tensor: String, found: JSONKind)
        case missingField(tensor: String, field: String)
        /// A field with the wrong kind of value; `found` is a short rendering of it.
        case malformedField(tensor: String, field: String, found: String)
        case duplicateField(tensor: String, field: String)
        /// An integer in `shape` or `data_offsets` that does not fit in 64 bits.
        case numberTooLarge(tensor: String, field: String, text: String)
        case unknownDType(tensor: String, dtype: String)
        case negativeDimension(tensor: String, shape: [Int])
        /// The element count or the byte size of the shape does not fit in 64 bits.
        case shapeOverflow(tensor: String, shape: [Int])
        case metadataNotObject(found: JSONKind)
        case metadataNotString(key: String, found: JSONKind)
        case duplicateMetadataKey(String)

        // The byte buffer
        /// `end` before `begin`.
        case reversedOffsets(tensor: String, begin: Int, end: Int)
        /// The tensor's bytes lie (partly) outside the buffer.
        case offsetsOutOfRange(tensor: String, begin: Int, end: Int, bufferSize: Int)
        /// The header is consistent but the file ends before the data does.
        case truncated(needed: Int, bufferSize: Int)
        /// `end − begin` is not the byte size of the shape.
        case sizeMismatch(tensor: String, dtype: String, shape: [Int], expected: Int, actual: Int)
        /// `tensor` starts at `begin`, before `other` (which comes first in the file) ends at `otherEnd`.
        case overlappingOffsets(tensor: String, begin: Int, other: String, otherEnd: Int)
        /// Bytes `from..<to` belong to no tensor; `previous` is the tensor before them, if any.
        case gapBetweenTensors(previous: String?, next: String, from: Int, to: Int)
        /// Bytes after the last tensor, up to the end of the file.
        case trailingBytes(from: Int, bufferSize: Int)

        // Writing
        /// A tensor named `__metadata__`, which the format reserves.
        case reservedName

        // Using a checkpoint
        /// The model needs a tensor the checkpoint lacks; `available` are (some of) the names it has.
        case missingTensor(name: String, available: [String])
        case wrongShape(name: String, found: [Int], needed: [Int])
    }

    public var description: String { message(spanish: false) }

    /// The message in Spanish (the course's language) or English.
    public func message(spanish: Bool) -> String {
        let text = problem.text(spanish: spanish)
        guard let file else { return text }
        return "\(file): \(text)"
    }
}

/// Shapes the way the course writes them in messages: `[20,1,5,5]`.
func shapeText(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ",") + "]"
}

extension JSONKind {
    func name(spanish: Bool) -> String {
        switch self {
        case .object: return spanish ? "un objeto" : "an object"
        case .array: return spanish ? "una lista" : "an array"
        case .string: return spanish ? "un texto" : "a string"
        case .number: return spanish ? "un número" : "a number"
        case .bool: return spanish ? "un booleano" : "a boolean"
        case .null: return "null"
        }
    }
}

extension JSONProblem {
    func text(spanish es: Bool) -> String {
        switch self {
        case .unexpectedEnd:
            return es ? "termina antes de completarse" : "ends before it is complete"
        case .unexpectedCharacter(let byte):
            let shown = (0x21...0x7E).contains(byte)
                ? "'\(Character(Unicode.Scalar(byte)))'" : "0x" + String(byte, radix: 16, uppercase: true)
            return es ? "carácter inesperado \(shown)" : "unexpected character \(shown)"
        case .invalidEscape:
            return es ? "secuencia de escape inválida" : "invalid escape sequence"
        case .invalidUnicodeEscape:
            return es ? "escape \\u inválido o surrogate UTF-16 suelto" : "invalid \\u escape or lone UTF-16 surrogate"
        case .controlCharacterInString:
            return es ? "carácter de control sin escapar dentro de un texto"
                : "unescaped control character inside a string"
        case .invalidNumber:
            return es ? "número mal formado" : "malformed number"
        case .tooDeep(let limit):
            return es ? "anidado a más de \(limit) niveles" : "nested more than \(limit) levels deep"
        case .trailingContent:
            return es ? "hay contenido después del objeto JSON" : "there is content after the JSON object"
        }
    }
}

extension CheckpointError.Problem {
    func text(spanish es: Bool) -> String {
        switch self {
        case .notFound:
            return es ? "no existe el archivo" : "no such file"
        case .isDirectory:
            return es ? "es un directorio, no un archivo safetensors" : "is a directory, not a safetensors file"
        case .cannotRead(let reason):
            return es ? "no se puede leer: \(reason)" : "cannot be read: \(reason)"
        case .cannotWrite(let reason):
            return es ? "no se puede escribir: \(reason)" : "cannot be written: \(reason)"

        case .tooShort(let size):
            let what = size == 0 ? (es ? "el archivo está vacío" : "the file is empty")
                : (es ? "el archivo tiene solo \(size) bytes" : "the file is only \(size) bytes long")
            return what + (es ? "; un archivo safetensors empieza con 8 bytes que dan la longitud del encabezado"
                : "; a safetensors file starts with 8 bytes giving the header length")
        case let .oversizedHeader(length, limit):
            return es ? "encabezado demasiado grande: declara \(length) bytes y el límite es \(limit)"
                : "oversized header: it declares \(length) bytes and the limit is \(limit)"
        case let .headerBeyondFile(length, available):
            return es ? "el encabezado declara \(length) bytes pero después de los 8 bytes de longitud el archivo tiene solo \(available) (¿archivo cortado o no es safetensors?)"
                : "the header declares \(length) bytes but the file has only \(available) after the 8-byte length (truncated, or not a safetensors file?)"
        case .headerNotUTF8(let offset):
            return es ? "el encabezado no es UTF-8 válido (byte \(offset) del encabezado)"
                : "the header is not valid UTF-8 (byte \(offset) of the header)"
        case let .headerNotJSON(offset, problem):
            return es ? "el encabezado no es JSON válido: \(problem.text(spanish: true)) (byte \(offset) del encabezado)"
                : "the header is not valid JSON: \(problem.text(spanish: false)) (byte \(offset) of the header)"
        case .headerNotObject(let found):
            return es ? "el encabezado debe ser un objeto JSON {\"nombre\": {...}} y es \(found.name(spanish: true))"
                : "the header must be a JSON object {\"name\": {...}} but is \(found.name(spanish: false))"

        case .duplicateName(let name):
            return es ? "el nombre \(JSONWriter.quoted(name)) aparece dos veces en el encabezado"
                : "the name \(JSONWriter.quoted(name)) appears twice in the header"
        case let .tensorNotObject(tensor, found):
            return es ? "el tensor \(tensor) debe describirse con un objeto {\"dtype\", \"shape\", \"data_offsets\"} y es \(found.name(spanish: true))"
                : "tensor \(tensor) must be described by an object {\"dtype\", \"shape\", \"data_offsets\"} but is \(found.name(spanish: false))"
        case let .missingField(tensor, field):
            return es ? "al tensor \(tensor) le falta el campo \"\(field)\""
                : "tensor \(tensor) lacks the field \"\(field)\""
        case let .malformedField(tensor, field, found):
            return es ? "el campo \"\(field)\" del tensor \(tensor) debe ser \(Self.expectation(field, spanish: true)) y es \(found)"
                : "field \"\(field)\" of tensor \(tensor) must be \(Self.expectation(field, spanish: false)) but is \(found)"
        case let .duplicateField(tensor, field):
            return es ? "el campo \"\(field)\" aparece dos veces en el tensor \(tensor)"
                : "field \"\(field)\" appears twice in tensor \(tensor)"
        case let .numberTooLarge(tensor, field, text):
            return es ? "el número \(text) en \"\(field)\" del tensor \(tensor) no cabe en un entero de 64 bits"
                : "the number \(text) in \"\(field)\" of tensor \(tensor) does not fit in a 64-bit integer"
        case let .unknownDType(tensor, dtype):
            return es ? "el tensor \(tensor) tiene el tipo desconocido \(JSONWriter.quoted(dtype)); capas lee \(Safetensors.DType.supportedList)"
                : "tensor \(tensor) has unknown dtype \(JSONWriter.quoted(dtype)); capas reads \(Safetensors.DType.supportedList)"
        case let .negativeDimension(tensor, shape):
            return es ? "el tensor \(tensor) tiene una dimensión negativa en su forma \(shapeText(shape))"
                : "tensor \(tensor) has a negative dimension in its shape \(shapeText(shape))"
        case let .shapeOverflow(tensor, shape):
            return es ? "desbordamiento: el tamaño del tensor \(tensor) de forma \(shapeText(shape)) no cabe en un entero de 64 bits"
                : "overflow: the size of tensor \(tensor) with shape \(shapeText(shape)) does not fit in a 64-bit integer"
        case .metadataNotObject(let found):
            return es ? "\"__metadata__\" debe ser un objeto de textos y es \(found.name(spanish: true))"
                : "\"__metadata__\" must be an object of strings but is \(found.name(spanish: false))"
        case let .metadataNotString(key, found):
            return es ? "el metadato \(JSONWriter.quoted(key)) debe ser un texto y es \(found.name(spanish: true))"
                : "metadata value \(JSONWriter.quoted(key)) must be a string but is \(found.name(spanish: false))"
        case .duplicateMetadataKey(let key):
            return es ? "el metadato \(JSONWriter.quoted(key)) aparece dos veces"
                : "metadata key \(JSONWriter.quoted(key)) appears twice"

        case let .reversedOffsets(tensor, begin, end):
            return es ? "el tensor \(tensor) tiene data_offsets [\(begin), \(end)]: el final está antes del comienzo"
                : "tensor \(tensor) has data_offsets [\(begin), \(end)]: the end comes before the beginning"
        case let .offsetsOutOfRange(tensor, begin, end, size):
            return es ? "el tensor \(tensor) ocupa los bytes [\(begin), \(end)) pero los datos tienen solo \(size) bytes"
                : "tensor \(tensor) occupies bytes [\(begin), \(end)) but the data has only \(size) bytes"
        case let .truncated(needed, size):
            return es ? "archivo cortado: el encabezado describe \(needed) bytes de datos y el archivo tiene \(size)"
                : "truncated file: the header describes \(needed) bytes of data but the file has \(size)"
        case let .sizeMismatch(tensor, dtype, shape, expected, actual):
            return es ? "el tensor \(tensor) (\(dtype), forma \(shapeText(shape))) necesita \(expected) bytes y sus data_offsets abarcan \(actual)"
                : "tensor \(tensor) (\(dtype), shape \(shapeText(shape))) needs \(expected) bytes but its data_offsets span \(actual)"
        case let .overlappingOffsets(tensor, begin, other, otherEnd):
            return es ? "los tensores \(other) y \(tensor) se superponen: \(tensor) empieza en el byte \(begin) y \(other) termina en el \(otherEnd)"
                : "tensors \(other) and \(tensor) overlap: \(tensor) starts at byte \(begin) and \(other) ends at \(otherEnd)"
        case let .gapBetweenTensors(previous, next, from, to):
            if let previous {
                return es ? "los bytes [\(from), \(to)) entre \(previous) y \(next) no pertenecen a ningún tensor"
                    : "bytes [\(from), \(to)) between \(previous) and \(next) belong to no tensor"
            }
            return es ? "los bytes [\(from), \(to)) antes de \(next) no pertenecen a ningún tensor"
                : "bytes [\(from), \(to)) before \(next) belong to no tensor"
        case let .trailingBytes(from, size):
            return es ? "los \(size - from) bytes después del último tensor (desde el byte \(from) de los datos) no pertenecen a ningún tensor"
                : "the \(size - from) bytes after the last tensor (from byte \(from) of the data) belong to no tensor"

        case .reservedName:
            return es ? "un tensor no puede llamarse \"__metadata__\": el formato reserva ese nombre"
                : "a tensor cannot be named \"__metadata__\": the format reserves that name"

        case let .missingTensor(name, available):
            var text = es ? "falta el tensor \(name)" : "missing tensor \(name)"
            if !available.isEmpty {
                let shown = available.prefix(8).joined(separator: ", ") + (available.count > 8 ? ", …" : "")
                text += es ? " (el checkpoint tiene \(available.count): \(shown))"
                    : " (the checkpoint has \(available.count): \(shown))"
            } else {
                text += es ? " (el checkpoint no tiene tensores)" : " (the checkpoint has no tensors)"
            }
            return text
        case let .wrongShape(name, found, needed):
            return es ? "el tensor \(name) tiene forma \(shapeText(found)) y el modelo necesita \(shapeText(needed))"
                : "tensor \(name) has shape \(shapeText(found)), the model needs \(shapeText(needed))"
        }
    }

    static func expectation(_ field: String, spanish es: Bool) -> String {
        switch field {
        case "dtype": return es ? "un texto como \"F32\"" : "a string such as \"F32\""
        case "shape": return es ? "una lista de enteros no negativos" : "an array of non-negative integers"
        case "data_offsets": return es ? "dos enteros no negativos [comienzo, fin]" : "two non-negative integers [begin, end]"
        default: return es ? "otro valor" : "another value"
        }
    }
}
