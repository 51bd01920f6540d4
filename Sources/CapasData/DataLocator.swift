import Foundation

/// Where datasets are looked for, in order: `--data-dir DIR` (explicit),
/// `$CAPAS_DATA`, the user cache (`$XDG_CACHE_HOME/capas` or `~/.cache/capas`,
/// where `capas data fetch` writes), then `/usr/share/datasets` (Debian's
/// `dataset-fashion-mnist` installs `/usr/share/datasets/fashion-mnist`).
/// The environment is a parameter so tests need not touch the process's.
public struct DataLocator: Sendable {
    public let explicit: String?
    public let environment: [String: String]

    /// The system-wide folders, searched last.
    public static let systemDirectories = ["/usr/share/datasets"]

    public init(explicit: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.explicit = explicit
        self.environment = environment
    }

    /// The base folders, in search order.
    public static func candidates(explicit: String?,
                                  environment: [String: String] = ProcessInfo.processInfo.environment) -> [URL] {
        DataLocator(explicit: explicit, environment: environment).bases
    }

    /// The user cache folder, where `capas data fetch` writes.
    public var cacheDirectory: URL {
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg).appendingPathComponent("capas")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".cache/capas")
    }

    /// The base folders, in search order (duplicates dropped).
    public var bases: [URL] {
        var list: [URL] = []
        if let explicit, !explicit.isEmpty { list.append(URL(fileURLWithPath: explicit)) }
        if let env = environment["CAPAS_DATA"], !env.isEmpty { list.append(URL(fileURLWithPath: env)) }
        list.append(cacheDirectory)
        list += Self.systemDirectories.map { URL(fileURLWithPath: $0) }
        var seen = Set<String>()
        return list.filter { seen.insert($0.standardizedFileURL.path).inserted }
    }

    /// The folders checked for one dataset, in order.
    public func candidates(_ dataset: DatasetName) -> [URL] {
        bases.flatMap { Self.candidates(dataset, in: $0) }
    }

    /// The folders checked for one dataset below one base folder, in order.
    public static func candidates(_ dataset: DatasetName, in base: URL) -> [URL] {
        switch dataset {
        case .fashionMNIST:
            return [base, base.appendingPathComponent("fashion-mnist")]
        case .cifar10:
            let nested = CIFAR10.archiveFolder
            return [base.appendingPathComponent(nested), base.appendingPathComponent("cifar10"),
                    base.appendingPathComponent("cifar10/" + nested), base]
        }
    }

    /// The first folder that holds all of the dataset's files.
    public func locate(_ dataset: DatasetName) -> URL? {
        candidates(dataset).first { Self.isPresent(dataset, in: $0) }
    }

    /// The dataset's folder, or an error listing every place looked in and how to get the data.
    public func require(_ dataset: DatasetName) throws -> URL {
        guard let folder = locate(dataset) else {
            throw DataError(.notFound(dataset: dataset.rawValue, searched: candidates(dataset).map(\.path)), file: dataset.rawValue)
        }
        return folder
    }

    /// What one folder holds of one dataset (for `capas data info`).
    public struct LocationReport: Sendable, Equatable {
        public let dataset: DatasetName
        public let folder: URL
        /// The dataset's files present there (as named on disk, e.g. with `.gz`).
        public let present: [String]
        /// The files missing there.
        public let missing: [String]
        /// True when this folder is the one `locate` picks.
        public let chosen: Bool
        /// All files present.
        public var complete: Bool { missing.isEmpty }
    }

    /// For every dataset and every candidate folder, which files are there.
    public func report() -> [LocationReport] {
        DatasetName.allCases.flatMap { dataset -> [LocationReport] in
            let chosen = locate(dataset)
            return candidates(dataset).map { folder in
                var present: [String] = [], missing: [String] = []
                for name in Self.fileNames(dataset) {
                    let found: URL?
                    switch dataset {
                    case .fashionMNIST: found = FashionMNIST.file(name, in: folder)
                    case .cifar10:
                        let url = folder.appendingPathComponent(name)
                        found = FileIO.exists(url) ? url : nil
                    }
                    if let found { present.append(found.lastPathComponent) } else { missing.append(name) }
                }
                return LocationReport(dataset: dataset, folder: folder, present: present, missing: missing,
                                      chosen: folder == chosen)
            }
        }
    }

    static func fileNames(_ dataset: DatasetName) -> [String] {
        switch dataset {
        case .fashionMNIST: return FashionMNIST.allFileNames
        case .cifar10: return CIFAR10.trainFiles + CIFAR10.testFiles
        }
    }

    public static func isPresent(_ dataset: DatasetName, in folder: URL) -> Bool {
        switch dataset {
        case .fashionMNIST: return FashionMNIST.isPresent(in: folder)
        case .cifar10: return CIFAR10.isPresent(in: folder)
        }
    }
}
