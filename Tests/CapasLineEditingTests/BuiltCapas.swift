import Foundation

/// The capas executable built beside this test bundle (the tests that drive
/// the real REPL or its `--help` run it), or nil when there is none.
func builtCapas() -> String? {
    var folders: [URL] = []
    if let test = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        folders.append(URL(fileURLWithPath: test).deletingLastPathComponent())
    }
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
        folders.append(bundle.bundleURL.deletingLastPathComponent())
    }
    return folders.map { $0.appendingPathComponent("capas").path }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// A new, empty folder to be a test's HOME: libedit reads `~/.editrc` and the
/// REPL keeps its history there, so nothing of the user's may leak in.
func temporaryHome(_ label: String) throws -> URL {
    let home = FileManager.default.temporaryDirectory
        .appendingPathComponent("capas-\(label)-\(getpid())-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    return home
}
