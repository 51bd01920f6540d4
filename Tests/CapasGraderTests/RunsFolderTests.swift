import XCTest
@testable import CapasGrader

/// Where submission builds go, for root and for a normal user grading with a
/// capas whose build folder is not theirs (an installed copy, root's build).
final class RunsFolderTests: XCTestCase {
    let tmp = URL(fileURLWithPath: "/tmp/capas-work")
    let products = "/opt/capas/.build/release"

    func choose(_ environment: [String: String], isRoot: Bool, besideWritable: Bool, work: URL? = nil) -> String {
        SubmissionBuild.runsRoot(workFolder: work ?? tmp, products: products, environment: environment, isRoot: isRoot,
                                 canCreate: { _ in besideWritable })
    }

    func testRootBuildsBesideTheProducts() {
        XCTAssertEqual(choose(["HOME": "/root"], isRoot: true, besideWritable: true), products + "/capas-grader-runs")
    }

    func testAUserWhoCannotWriteBesideTheProductsBuildsInTheirCache() {
        XCTAssertEqual(choose(["HOME": "/home/ana"], isRoot: false, besideWritable: false), "/home/ana/.cache/capas/grader-runs")
        XCTAssertEqual(choose(["HOME": "/home/ana", "XDG_CACHE_HOME": "/srv/cache"], isRoot: false, besideWritable: false),
                       "/srv/cache/capas/grader-runs")
        // A user who can write there keeps the products' folder.
        XCTAssertEqual(choose(["HOME": "/home/ana"], isRoot: false, besideWritable: true), products + "/capas-grader-runs")
    }

    func testACacheTheChildCannotSeeOrAnExplicitFolder() {
        // The child's /tmp is private: a cache there would hide the harness; a relative one means nothing.
        XCTAssertEqual(choose(["HOME": "/tmp/nobody"], isRoot: false, besideWritable: false), products + "/capas-grader-runs")
        XCTAssertEqual(choose(["XDG_CACHE_HOME": "cache", "HOME": "/"], isRoot: false, besideWritable: false),
                       products + "/capas-grader-runs")
        XCTAssertEqual(choose(["CAPAS_GRADER_RUNS": "/srv/runs", "HOME": "/home/ana"], isRoot: false, besideWritable: false),
                       "/srv/runs")
        // A work folder outside /tmp is used as it is.
        XCTAssertEqual(choose(["HOME": "/home/ana"], isRoot: false, besideWritable: false, work: URL(fileURLWithPath: "/srv/w")), "/srv/w")
    }

    func testCanCreateLooksAtTheFirstFolderThatExists() throws {
        let folder = temporaryFolder("capas-runs")
        defer { try? FileManager.default.removeItem(at: folder) }
        XCTAssertTrue(SubmissionBuild.canCreate(folder.path + "/a/b/capas-grader-runs"))
    }
}
