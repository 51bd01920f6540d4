import CapasMessages

/// What is wrong with a dataset file or download. Every message names the
/// file (or folder, or URL) and says what is wrong with it, in Spanish and English.
public struct DataError: Error, LocalizedMessage, Equatable, Sendable {
    public enum Problem: Equatable, Sendable {
        /// The file does not exist.
        case missing
        /// The folder lacks some of the files a dataset needs (their names).
        case missingFiles([String])
        /// The file exists but cannot be read (a folder, no permission…).
        case unreadable(String)
        /// The first four bytes are not the IDX magic number expected.
        case wrongMagic(expected: UInt32, found: UInt32)
        /// The size disagrees with what the header (or the record layout) says.
        case sizeMismatch(Layout, expectedBytes: Int, actualBytes: Int)
        /// zlib refused the gzip stream.
        case corruptGzip(String)
        /// The labels file and the images file hold different numbers of items.
        case countMismatch(images: Int, labels: Int, imagesFile: String)
        /// Item `index` has a label that is not a class.
        case labelOutOfRange(index: Int, label: Int, classes: Int)
        /// The header announces impossible dimensions.
        case badDimensions(String)
        /// A download or file does not have its published MD5 sum.
        case checksumMismatch(expected: String, actual: String, removed: Bool)
        /// A tar entry would land outside the extraction folder.
        case unsafeArchivePath(String)
        /// The tar archive is damaged.
        case corruptArchive(String)
        /// A file could not be written.
        case cannotWrite(String)
        /// A dataset is in none of the folders searched.
        case notFound(dataset: String, searched: [String])
        /// The transfer failed.
        case download(String)
    }

    /// Where an expected size comes from.
    public enum Layout: Equatable, Sendable {
        /// The fixed-size IDX header itself.
        case idxHeader(bytes: Int)
        /// An IDX images header: count × rows × columns bytes follow it.
        case idxImages(count: Int, rows: Int, columns: Int)
        /// An IDX labels header: count bytes follow it.
        case idxLabels(count: Int)
        /// Fixed-size records (CIFAR-10: 1 label byte + 3,072 pixel bytes).
        case records(size: Int)
    }

    /// The file, folder or URL concerned.
    public let file: String
    public let problem: Problem

    public init(_ problem: Problem, file: String) { self.problem = problem; self.file = file }

    public func message(in L: Language) -> String {
        switch problem {
        case .missing:
            return L.pick(es: "\(file): el archivo no existe", en: "\(file): no such file")
        case let .missingFiles(names):
            let list = names.joined(separator: ", ")
            return L.pick(es: "\(file): faltan \(list)", en: "\(file): missing \(list)")
        case let .unreadable(reason):
            return L.pick(es: "\(file): no se puede leer (\(reason))", en: "\(file): cannot be read (\(reason))")
        case let .wrongMagic(expected, found):
            let kind = L.pick(es: expected == IDX.imagesMagic ? "de imágenes" : "de etiquetas",
                              en: expected == IDX.imagesMagic ? "images" : "labels")
            var text = L.pick(es: "\(file): número mágico \(found) (0x\(hex(found))), se esperaba \(expected) (0x\(hex(expected))). ¿Es un archivo IDX \(kind)?",
                              en: "\(file): magic number \(found) (0x\(hex(found))), expected \(expected) (0x\(hex(expected))). Is this an IDX \(kind) file?")
            if found == IDX.labelsMagic || found == IDX.imagesMagic {
                text += L.pick(es: found == IDX.labelsMagic ? " Parece uno de etiquetas." : " Parece uno de imágenes.",
                               en: found == IDX.labelsMagic ? " It looks like a labels file." : " It looks like an images file.")
            }
            return text
        case let .sizeMismatch(layout, expected, actual):
            return sizeMessage(layout, expected: expected, actual: actual, in: L)
        case let .corruptGzip(reason):
            return L.pick(es: "\(file): gzip dañado (zlib: \(reason))", en: "\(file): corrupt gzip (zlib: \(reason))")
        case let .countMismatch(images, labels, imagesFile):
            return L.pick(es: "\(file): \(labels) etiquetas, pero \(imagesFile) tiene \(images) imágenes",
                          en: "\(file): \(labels) labels, but \(imagesFile) has \(images) images")
        case let .labelOutOfRange(index, label, classes):
            return L.pick(es: "\(file): el elemento \(index) tiene la etiqueta \(label), fuera de 0…\(classes - 1) (\(classes) clases)",
                          en: "\(file): item \(index) has label \(label), outside 0…\(classes - 1) (\(classes) classes)")
        case let .badDimensions(what):
            return L.pick(es: "\(file): dimensiones inválidas (\(what))", en: "\(file): invalid dimensions (\(what))")
        case let .checksumMismatch(expected, actual, removed):
            return L.pick(es: "\(file): la suma MD5 no coincide: se esperaba \(expected), se obtuvo \(actual)"
                              + (removed ? "; la descarga se borró" : ""),
                          en: "\(file): MD5 checksum mismatch: expected \(expected), got \(actual)"
                              + (removed ? "; the download was deleted" : ""))
        case let .unsafeArchivePath(path):
            return L.pick(es: "\(file): el archivo contiene la ruta insegura `\(path)` (absoluta o con `..`); no se extrae nada fuera de la carpeta",
                          en: "\(file): the archive holds the unsafe path `\(path)` (absolute or with `..`); nothing is extracted outside the folder")
        case let .corruptArchive(reason):
            return L.pick(es: "\(file): archivo tar dañado (\(reason))", en: "\(file): corrupt tar archive (\(reason))")
        case let .cannotWrite(reason):
            return L.pick(es: "\(file): no se puede escribir (\(reason))", en: "\(file): cannot be written (\(reason))")
        case let .notFound(dataset, searched):
            let places = searched.map { "  " + $0 }.joined(separator: "\n")
            let how = dataset == DatasetName.fashionMNIST.rawValue
                ? L.pick(es: "Instálelo con `sudo apt-get install dataset-fashion-mnist` o descárguelo con `capas data fetch fashion-mnist`.",
                         en: "Install it with `sudo apt-get install dataset-fashion-mnist` or download it with `capas data fetch fashion-mnist`.")
                : L.pick(es: "Descárgalo con `capas data fetch \(dataset)` o indica su carpeta con --data-dir.",
                         en: "Download it with `capas data fetch \(dataset)` or give its folder with --data-dir.")
            return L.pick(es: "no encuentro \(dataset). Busqué en:\n\(places)\n\(how)",
                          en: "cannot find \(dataset). Looked in:\n\(places)\n\(how)")
        case let .download(reason):
            return L.pick(es: "\(file): la descarga falló (\(reason))", en: "\(file): download failed (\(reason))")
        }
    }
}

extension DataError {
    private func sizeMessage(_ layout: Layout, expected: Int, actual: Int, in L: Language) -> String {
        let what: String
        switch layout {
        case let .idxHeader(bytes):
            return L.pick(es: "\(file): truncado: demasiado corto para una cabecera IDX (\(bytes) bytes); tiene \(actual)",
                          en: "\(file): truncated: too short for an IDX header (\(bytes) bytes); it has \(actual)")
        case let .records(size):
            if actual == 0 { return L.pick(es: "\(file): el archivo está vacío", en: "\(file): the file is empty") }
            return L.pick(es: "\(file): truncado: sus \(actual) bytes no son un número entero de registros de \(size) bytes "
                              + "(1 etiqueta + \(size - 1) píxeles); el último registro tiene \(actual % size)",
                          en: "\(file): truncated: its \(actual) bytes are not a whole number of \(size)-byte records "
                              + "(1 label + \(size - 1) pixels); the last record has \(actual % size)")
        case let .idxImages(count, rows, columns):
            what = L.pick(es: "la cabecera anuncia \(count) imágenes de \(rows)×\(columns) = \(expected) bytes",
                          en: "the header says \(count) images of \(rows)×\(columns) = \(expected) bytes")
        case let .idxLabels(count):
            what = L.pick(es: "la cabecera anuncia \(count) etiquetas = \(expected) bytes",
                          en: "the header says \(count) labels = \(expected) bytes")
        }
        if actual < expected {
            return L.pick(es: "\(file): truncado: \(what), pero tras la cabecera hay \(actual)",
                          en: "\(file): truncated: \(what), but only \(actual) follow the header")
        }
        return L.pick(es: "\(file): \(what), pero tras la cabecera hay \(actual) (\(actual - expected) de más)",
                      en: "\(file): \(what), but \(actual) follow the header (\(actual - expected) too many)")
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
