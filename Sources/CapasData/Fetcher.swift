import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Downloads datasets from their official locations and checks the published MD5 sums.
public enum Fetcher {
    public struct Remote: Sendable {
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

    /// Fetches bytes; replaceable in tests (these machines have no internet).
    public typealias Transport = (_ url: URL, _ progress: (Int64, Int64?) -> Void) throws -> [UInt8]

    /// Verifies a file against an MD5 sum; a mismatching file is removed.
    public static func verify(file url: URL, md5 expected: String) throws {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw DataError(.missing, file: url.path) }
        let actual = MD5.hex([UInt8](data))
        guard actual == expected.lowercased() else {
            try? FileManager.default.removeItem(at: url)
            throw DataError(.checksumMismatch(expected: expected, actual: actual), file: url.path)
        }
    }

    /// Downloads every file of `dataset` into `directory/<dataset>`, verifying
    /// each before it is moved into place; CIFAR-10's archive is then extracted.
    @discardableResult
    public static func fetch(_ dataset: DatasetName, into directory: URL, transport: Transport = urlSessionTransport,
                             log: (String) -> Void = { _ in },
                             progress: @escaping (String, Int64, Int64?) -> Void = { _, _, _ in }) throws -> URL {
        let target = directory.appendingPathComponent(dataset.rawValue)
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        for remote in remotes(dataset) {
            let final = target.appendingPathComponent(remote.fileName)
            if FileManager.default.fileExists(atPath: final.path), (try? verify(file: final, md5: remote.md5)) != nil {
                log("\(remote.fileName): already here, checksum OK")
                continue
            }
            guard let url = URL(string: remote.url) else { continue }
            let bytes = try transport(url) { done, total in progress(remote.fileName, done, total) }
            let partial = target.appendingPathComponent(remote.fileName + ".part")
            try Data(bytes).write(to: partial)
            try verify(file: partial, md5: remote.md5)
            if FileManager.default.fileExists(atPath: final.path) { try FileManager.default.removeItem(at: final) }
            try FileManager.default.moveItem(at: partial, to: final)
            log("\(remote.fileName): \(bytes.count) bytes, MD5 \(remote.md5) OK")
            if remote.fileName.hasSuffix(".tar.gz") {
                let archive = try Gzip.decompress(bytes, file: final.path)
                try Tar.extract(archive, into: target, file: final.path)
                log("\(remote.fileName): extracted")
            }
        }
        return target
    }

    /// The real network transport (URLSession), synchronous, with progress.
    public static let urlSessionTransport: Transport = { url, progress in
        final class Box: @unchecked Sendable { var data: Data?; var error: Error? }
        let box = Box()
        let semaphore = DispatchSemaphore(value: 0)
        let task = URLSession.shared.dataTask(with: url) { data, response, error in
            if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
                box.error = DataError(.download("HTTP \(http.statusCode)"), file: url.absoluteString)
            } else {
                box.data = data
                box.error = error.map { DataError(.download($0.localizedDescription), file: url.absoluteString) }
            }
            semaphore.signal()
        }
        task.resume()
        while semaphore.wait(timeout: .now() + 0.2) == .timedOut {
            progress(task.countOfBytesReceived, task.countOfBytesExpectedToReceive > 0 ? task.countOfBytesExpectedToReceive : nil)
        }
        if let error = box.error { throw error }
        guard let data = box.data else { throw DataError(.download("no data"), file: url.absoluteString) }
        return [UInt8](data)
    }
}
