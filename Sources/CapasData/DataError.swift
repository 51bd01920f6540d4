import CapasMessages

/// What is wrong with a dataset file, naming the file.
public struct DataError: Error, LocalizedMessage, Equatable {
    public enum Problem: Equatable {
        case missing
        case unreadable(String)
        case wrongMagic(expected: UInt32, found: UInt32)
        case truncated(expectedBytes: Int, actualBytes: Int)
        case corruptGzip(String)
        case countMismatch(images: Int, labels: Int)
        case labelOutOfRange(index: Int, label: Int, classes: Int)
        case badDimensions(String)
        case checksumMismatch(expected: String, actual: String)
        case unsafeArchivePath(String)
        case corruptArchive(String)
        case notFound(dataset: String, searched: [String])
        case download(String)
    }

    public let file: String
    public let problem: Problem

    public init(_ problem: Problem, file: String) { self.problem = problem; self.file = file }

    public func message(in L: Language) -> String {
        switch problem {
        case .missing:
            return L.pick(es: "\(file): el archivo no existe", en: "\(file): no such file")
        case let .unreadable(reason):
            return L.pick(es: "\(file): no se puede leer (\(reason))", en: "\(file): cannot be read (\(reason))")
        case let .wrongMagic(expected, found):
            return L.pick(es: "\(file): número mágico \(found), se esperaba \(expected). ¿Es un archivo IDX de \(expected == 2051 ? "imágenes" : "etiquetas")?",
                          en: "\(file): magic number \(found), expected \(expected). Is this an IDX \(expected == 2051 ? "images" : "labels") file?")
        case let .truncated(expected, actual):
            return L.pick(es: "\(file): truncado: la cabecera anuncia \(expected) bytes de datos y el archivo tiene \(actual)",
                          en: "\(file): truncated: the header announces \(expected) bytes of data and the file has \(actual)")
        case let .corruptGzip(reason):
            return L.pick(es: "\(file): gzip dañado (\(reason))", en: "\(file): corrupt gzip (\(reason))")
        case let .countMismatch(images, labels):
            return L.pick(es: "\(file): \(labels) etiquetas para \(images) imágenes", en: "\(file): \(labels) labels for \(images) images")
        case let .labelOutOfRange(index, label, classes):
            return L.pick(es: "\(file): el registro \(index) tiene la etiqueta \(label), fuera de 0…\(classes - 1)",
                          en: "\(file): record \(index) has label \(label), outside 0…\(classes - 1)")
        case let .badDimensions(what):
            return L.pick(es: "\(file): dimensiones inválidas (\(what))", en: "\(file): invalid dimensions (\(what))")
        case let .checksumMismatch(expected, actual):
            return L.pick(es: "\(file): la suma MD5 no coincide: se esperaba \(expected), se obtuvo \(actual); el archivo se borró",
                          en: "\(file): MD5 checksum mismatch: expected \(expected), got \(actual); the file was removed")
        case let .unsafeArchivePath(path):
            return L.pick(es: "\(file): el archivo comprimido contiene una ruta insegura `\(path)`; no se extrae",
                          en: "\(file): the archive holds an unsafe path `\(path)`; not extracted")
        case let .corruptArchive(reason):
            return L.pick(es: "\(file): archivo tar dañado (\(reason))", en: "\(file): corrupt tar archive (\(reason))")
        case let .notFound(dataset, searched):
            let places = searched.map { "  " + $0 }.joined(separator: "\n")
            let how = dataset == "fashion-mnist"
                ? L.pick(es: "Instálelo con `sudo apt-get install dataset-fashion-mnist` o `capas data fetch fashion-mnist`.",
                         en: "Install it with `sudo apt-get install dataset-fashion-mnist` or `capas data fetch fashion-mnist`.")
                : L.pick(es: "Descárguelo con `capas data fetch cifar10` o indique la carpeta con --data-dir.",
                         en: "Download it with `capas data fetch cifar10` or give its folder with --data-dir.")
            return L.pick(es: "no encuentro \(dataset). Busqué en:\n\(places)\n\(how)",
                          en: "cannot find \(dataset). Looked in:\n\(places)\n\(how)")
        case let .download(reason):
            return L.pick(es: "\(file): la descarga falló (\(reason))", en: "\(file): download failed (\(reason))")
        }
    }
}
