import ArgumentParser
import CapasData
import CapasMessages
import Foundation

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "Find and download datasets.", subcommands: [Info.self, Fetch.self])

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Say which datasets were found where.")

        @Option(name: .customLong("data-dir"), help: "A folder to look in first.")
        var dataDirectory: String?

        @OptionGroup var global: GlobalOptions

        func run() throws {
            try global.apply()
            let L = Messages.language
            let locator = DataLocator(explicit: dataDirectory)
            print(L.pick(es: "Orden de búsqueda:", en: "Search order:"))
            for base in locator.bases { print("  " + base.path) }
            for dataset in DatasetName.allCases {
                if let folder = locator.locate(dataset) {
                    print("\(dataset.rawValue): " + L.pick(es: "encontrado en ", en: "found in ") + folder.path)
                    for split in [Split.train, .test] {
                        do {
                            let d = dataset == .fashionMNIST ? try FashionMNIST.load(split: split, from: folder)
                                                             : try CIFAR10.load(split: split, from: folder)
                            print("  \(split.rawValue): \(d.count) " + L.pick(es: "imágenes", en: "images")
                                  + " \(d.height)x\(d.width)x\(d.channels), \(d.classNames.count) " + L.pick(es: "clases", en: "classes"))
                        } catch let error as DataError {
                            print("  \(split.rawValue): " + error.message(in: L))
                        }
                    }
                } else {
                    print("\(dataset.rawValue): " + L.pick(es: "no encontrado", en: "not found") + " — "
                          + (dataset == .fashionMNIST ? "sudo apt-get install dataset-fashion-mnist, capas data fetch fashion-mnist"
                                                      : "capas data fetch cifar10"))
                }
            }
        }
    }

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a dataset from its official location and verify its published MD5 sums.")

        @Argument(help: "fashion-mnist or cifar10")
        var dataset: String

        @Option(help: "Folder to download into (default: the user cache, ~/.cache/capas).")
        var to: String?

        @OptionGroup var global: GlobalOptions

        func run() throws {
            try global.apply()
            try guarded {
                guard let name = DatasetName(word: dataset) else {
                    throw ValidationError("dataset must be fashion-mnist or cifar10, not \(dataset)")
                }
                let folder = to.map { URL(fileURLWithPath: $0) } ?? DataLocator().cacheDirectory
                let terminal = isTerminal(STDERR_FILENO)
                let target = try Fetcher.fetch(name, into: folder, log: { print($0) }, progress: { file, done, total in
                    guard terminal else { return }
                    if let total, total > 0 {
                        let width = 30, filled = Int(Double(width) * Double(done) / Double(total))
                        writeError(String(format: "\r%@ [%@%@] %.1f/%.1f MB", file, String(repeating: "█", count: filled),
                                          String(repeating: "░", count: max(0, width - filled)),
                                          Double(done) / 1e6, Double(total) / 1e6))
                    } else {
                        writeError(String(format: "\r%@ %.1f MB", file, Double(done) / 1e6))
                    }
                })
                if terminal { writeError("\n") }
                print(Messages.language.pick(es: "Listo: \(target.path)", en: "Done: \(target.path)"))
            }
        }
    }
}
