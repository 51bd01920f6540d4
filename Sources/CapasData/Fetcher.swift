import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Downloads datasets from their official locations and checks the published
/// MD5 sums. Every download goes to a temporary `.part` file that is renamed
/// into place only once its checksum verifies: nothing half-written is left.
public enum Fetcher {
    /// One file to download and its published MD5.
    public struct Remote: Sendable, Equatable {
        public let url: String
        public let md5: String
        public var fileName: String { String(url.split(separator: "/").last ?? "") }
    }

    /// FashionMNIST (MD5 sums from the zalandoresearch/fashion-mnist README) and CIFAR-10's binary version.
    public static func remotes(_ dataset: DatasetName) -> [Remote] {
        switch dataset {
        case .fashionMNIST:
            let base = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
            return [Remote(url: base + "train-images-idx3-ubyte.gz", md5: "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                    Remote(url: base + "train-labels-idx1-ubyte.gz", md5: "25c81989df183df01b3e8a0aad5dffbe"),
                    Remote(url: base + "t10k-images-idx3-ubyte.gz", md5: "bef4ecab320f06d8554ea6380940ec79"),
                    Remote(url: base + "t10k-labels-idx1-ubyte.gz", md5: "bb300cfdad3c16e7a12a480ee83fd310")]
        case .cifar10:
            return [Remote(url: "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", md5: "c32a1d4ab5d03f1284b67883e8d87530")]
        }
    }

    /// Fetches `url` into the file `destination` (created or replaced),
    /// reporting bytes received and the total when known. Replaceable in
    /// tests: these machines have no internet.
    public typealias Transport = (_ url: URL, _ destination: URL, _ progress: @escaping (Int64, Int64?) -> Void) throws -> Void

    /// The MD5 of a file, read in pieces.
    public static func md5(of file: URL) throws -> String {
        var md5 = MD5()
        try FileIO.forEachChunk(of: file) { md5.update($0) }
        return md5.finalize()
    }

    /// Checks a file against an MD5 sum, throwing a mismatch error with both sums.
    /// The file is left alone.
    public static func verify(file: URL, md5 expected: String) throws {
        let actual = try md5(of: file)
        guard actual == expected.lowercased() else {
            throw DataError(.checksumMismatch(expected: expected.lowercased(), actual: actual, removed: false), file: file.path)
        }
    }

    /// Downloads every file of `dataset` into `directory/<dataset>` (e.g.
    /// `~/.cache/capas/cifar10`), verifying each before it is moved into
    /// place; files already there with the right checksum are kept. CIFAR-10's
    /// archive is then extracted (to `cifar10/cifar-10-batches-bin`).
    /// Returns the dataset's folder.
    @discardableResult
    public static func fetch(_ dataset: DatasetName, into directory: URL, transport: Transport = urlSessionTransport,
                             log: (String) -> Void = { _ in },
                             progress: @escaping (String, Int64, Int64?) -> Void = { _, _, _ in }) throws -> URL {
        try fetch(dataset, remotes: remotes(dataset), into: directory, transport: transport, log: log, progress: progress)
    }

    /// `fetch` with the files given (tests serve their own, with their own sums).
    static func fetch(_ dataset: DatasetName, remotes: [Remote], into directory: URL, transport: Transport,
                      log: (String) -> Void, progress: @escaping (String, Int64, Int64?) -> Void) throws -> URL {
        let target = directory.appendingPathComponent(dataset.rawValue)
        do {
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        } catch {
            throw DataError(.cannotWrite(error.localizedDescription), file: target.path)
        }
        for remote in remotes {
            let final = target.appendingPathComponent(remote.fileName)
            let present = FileIO.exists(final)
            if present, (try? md5(of: final)) == remote.md5 {
                log("\(remote.fileName): already here, MD5 OK")
            } else {
                if present { log("\(remote.fileName): present but its MD5 is wrong; downloading again") }
                try download(remote, to: final, transport: transport, progress: progress)
                log("\(remote.fileName): MD5 \(remote.md5) OK")
            }
            if remote.fileName.hasSuffix(".tar.gz") && !CIFAR10.isPresent(in: target.appendingPathComponent(CIFAR10.archiveFolder)) {
                let files = try Tar.extractGzip(final, into: target)
                log("\(remote.fileName): \(files.count) files extracted")
            }
        }
        return target
    }

    /// Downloads to `final.part`, verifies, renames; the partial file never survives a failure.
    static func download(_ remote: Remote, to final: URL, transport: Transport,
                         progress: @escaping (String, Int64, Int64?) -> Void) throws {
        guard let url = URL(string: remote.url) else { throw DataError(.download("bad URL"), file: remote.url) }
        let partial = final.deletingLastPathComponent().appendingPathComponent(final.lastPathComponent + ".part")
        let name = remote.fileName
        do {
            try transport(url, partial) { done, total in progress(name, done, total) }
            let actual = try md5(of: partial)
            guard actual == remote.md5 else {
                throw DataError(.checksumMismatch(expected: remote.md5, actual: actual, removed: true), file: remote.url)
            }
            try FileIO.rename(partial, to: final)
        } catch {
            FileIO.remove(partial)
            throw error
        }
    }

    /// The real network transport: a URLSession download, waited for, with progress.
    public static let urlSessionTransport: Transport = { url, destination, progress in
        final class Outcome: @unchecked Sendable { var error: Error? }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let task = URLSession.shared.downloadTask(with: url) { temporary, response, error in
            defer { done.signal() }
            if let error {
                outcome.error = DataError(.download(error.localizedDescription), file: url.absoluteString)
            } else if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
                outcome.error = DataError(.download("HTTP \(http.statusCode)"), file: url.absoluteString)
            } else if let temporary {
                // The temporary file is deleted when this handler returns: move it now.
                do {
                    try? FileManager.default.removeItem(at: destination)
                    try FileManager.default.moveItem(at: temporary, to: destination)
                } catch {
                    outcome.error = DataError(.cannotWrite(error.localizedDescription), file: destination.path)
                }
            } else {
                outcome.error = DataError(.download("no data received"), file: url.absoluteString)
            }
        }
        task.resume()
        while done.wait(timeout: .now() + 0.25) == .timedOut {
            let total = task.countOfBytesExpectedToReceive
            progress(task.countOfBytesReceived, total > 0 ? total : nil)
        }
        if let error = outcome.error { throw error }
        let size = Int64(FileIO.size(of: destination) ?? 0)
        progress(size, size)
    }
}
