import XCTest
@testable import CapasGrader

/// Swift installed as Gradescope's setup.sh does it: links in /usr/local/bin to
/// the toolchain's binaries. The compiler is started by its real path (in a
/// sandbox without /proc it finds its runtime relative to that path), keeping
/// the name `swiftc` that the driver reads.
final class ToolchainPathTests: XCTestCase {
    func testLinksAreFollowedWhileTheNameStaysTheSame() throws {
        let root = temporaryFolder("capas-toolchain")
        defer { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        let bin = root.appendingPathComponent("opt/swift/usr/bin"), local = root.appendingPathComponent("usr/local/bin")
        try fm.createDirectory(at: bin, withIntermediateDirectories: true)
        try fm.createDirectory(at: local, withIntermediateDirectories: true)
        fm.createFile(atPath: bin.appendingPathComponent("swift-driver").path, contents: Data())
        try fm.createSymbolicLink(atPath: bin.appendingPathComponent("swiftc").path, withDestinationPath: "swift-driver")
        try fm.createSymbolicLink(atPath: local.appendingPathComponent("swiftc").path,
                                  withDestinationPath: bin.appendingPathComponent("swiftc").path)
        XCTAssertEqual(Toolchain.invocationPath(local.appendingPathComponent("swiftc").path), bin.appendingPathComponent("swiftc").path)
        // A relative link, two levels.
        let other = root.appendingPathComponent("bin")
        try fm.createDirectory(at: other, withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: other.appendingPathComponent("swiftc").path, withDestinationPath: "../usr/local/bin/swiftc")
        XCTAssertEqual(Toolchain.invocationPath(other.appendingPathComponent("swiftc").path), bin.appendingPathComponent("swiftc").path)
        // Not a link, or a link to another name: as it is.
        XCTAssertEqual(Toolchain.invocationPath(bin.appendingPathComponent("swiftc").path), bin.appendingPathComponent("swiftc").path)
        XCTAssertEqual(Toolchain.invocationPath(bin.appendingPathComponent("swift-driver").path), bin.appendingPathComponent("swift-driver").path)
    }
}
