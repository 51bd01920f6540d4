import Foundation

/// Where datasets are looked for, in order: `--data-dir DIR`, `$CAPAS_DATA`,
/// the user cache (`$XDG_CACHE_HOME/capas` or `~/.cache/capas`), then
/// `/usr/share/datasets` (Debian's `dataset-fashion-mnist` installs there).
public struct DataLocator {
    public let explicit: String?
    public let environment: [String: String]

    public init(explicit: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.explicit = explicit
        self.environment = environment
    }

    /// The user cache folder, where `capas data fetch` writes.
    public var cacheDirectory: URL {
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg).appendingPathComponent("capas")
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".cache/capas")
    }

    /// The base folders, in search order.
    public var bases: [URL] {
        var list: [URL] = []
        if let explicit { list.append(URL(fileURLWithPath: explicit)) }
        if let env = environment["CAPAS_DATA"], !env.isEmpty { list.append(URL(fileURLWithPath: env)) }
        list.append(cacheDirectory)
        list.append(URL(fileURLWithPath: "/usr/share/datasets"))
        return list
    }

    /// The folders checked for one dataset.
    public func candidates(_ dataset: DatasetName) -> [URL] {
        bases.flatMap { base -> [URL] in
            switch dataset {
            case .fashionMNIST: return [base, base.appendingPathComponent("fashion-mnist")]
            case .cifar10: return [base, base.appendingPathComponent("cifar-10-batches-bin"), base.appendingPathComponent("cifar10"),
                                   base.appendingPathComponent("cifar10/cifar-10-batches-bin")]
            }
        }
    }

    public func locate(_ dataset: DatasetName) -> URL? {
        candidates(dataset).first { folder in
            switch dataset {
            case .fashionMNIST: return FashionMNIST.isPresent(in: folder)
            case .cifar10: return CIFAR10.isPresent(in: folder)
            }
        }
    }

    /// The dataset's folder, or an error listing every place looked in.
    public func require(_ dataset: DatasetName) throws -> URL {
        guard let folder = locate(dataset) else {
            throw DataError(.notFound(dataset: dataset.rawValue, searched: candidates(dataset).map(\.path)), file: dataset.rawValue)
        }
        return folder
    }
}
