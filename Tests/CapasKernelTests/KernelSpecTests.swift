import CapasKernel
import Foundation
import XCTest

final class KernelSpecTests: XCTestCase {
    func testUserFolderFollowsJupyterCore() {
        XCTAssertEqual(KernelSpec.directory(.user, environment: ["HOME": "/home/ana"]), "/home/ana/.local/share/jupyter/kernels/capas")
        XCTAssertEqual(KernelSpec.directory(.user, environment: ["HOME": "/home/ana", "XDG_DATA_HOME": "/data"]), "/data/jupyter/kernels/capas")
        XCTAssertEqual(KernelSpec.directory(.user, environment: ["HOME": "/home/ana", "JUPYTER_DATA_DIR": "/j"]), "/j/kernels/capas")
        XCTAssertEqual(KernelSpec.directory(.prefix("/opt/venv"), environment: [:]), "/opt/venv/share/jupyter/kernels/capas")
    }

    func testInstallWritesKernelJSONAndUninstallRemovesIt() throws {
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("capas-spec-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: prefix) }
        let dir = try KernelSpec.install(.prefix(prefix), executable: "/usr/local/bin/capas", language: .es, environment: [:])
        let data = try XCTUnwrap(FileManager.default.contents(atPath: dir + "/kernel.json"))
        let spec = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(spec["argv"] as? [String], ["/usr/local/bin/capas", "kernel", "-f", "{connection_file}"])
        XCTAssertEqual(spec["display_name"] as? String, "capas")
        XCTAssertEqual(spec["language"] as? String, "capas")
        XCTAssertEqual(spec["env"] as? [String: String], ["CAPAS_LANG": "es"])
        XCTAssertEqual(try KernelSpec.uninstall(.prefix(prefix), environment: [:]), dir)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir))
        XCTAssertNil(try KernelSpec.uninstall(.prefix(prefix), environment: [:]), "nothing left to remove")
    }

    func testUnwritableFolderIsAClearError() {
        XCTAssertThrowsError(try KernelSpec.install(.prefix("/proc/capas"), executable: "/bin/capas", language: .en, environment: [:])) {
            let text = ($0 as? KernelSpecError)?.message(in: .en) ?? ""
            XCTAssertTrue(text.hasPrefix("cannot write the kernelspec in /proc/capas/share/jupyter/kernels/capas"), text)
        }
    }
}
