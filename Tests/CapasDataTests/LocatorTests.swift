import CapasMessages
@testable import CapasData
import Foundation
import XCTest

final class LocatorTests: FolderTestCase {
    func writeFashion(in subfolder: String) throws {
        for name in FashionMNIST.allFileNames {
            let bytes = name.contains("images") ? Make.idxImages([1, 2, 3, 4], count: 1, rows: 2, columns: 2) : Make.idxLabels([3])
            try write(Gzip.compress(bytes), subfolder + "/" + name + ".gz")
        }
    }

    func testSearchOrder() {
        let env = ["CAPAS_DATA": "/d/env", "HOME": "/d/home"]
        XCTAssertEqual(DataLocator.candidates(explicit: "/d/flag", environment: env).map(\.path),
                       ["/d/flag", "/d/env", "/d/home/.cache/capas", "/usr/share/datasets"])
        XCTAssertEqual(DataLocator.candidates(explicit: nil, environment: ["XDG_CACHE_HOME": "/d/xdg", "HOME": "/d/home"]).map(\.path),
                       ["/d/xdg/capas", "/usr/share/datasets"])
        // The same folder twice is searched once.
        XCTAssertEqual(DataLocator.candidates(explicit: "/d/env/", environment: env).map(\.path),
                       ["/d/env", "/d/home/.cache/capas", "/usr/share/datasets"])
        let locator = DataLocator(explicit: "/d/flag", environment: env)
        XCTAssertEqual(locator.candidates(.fashionMNIST).prefix(2).map(\.path), ["/d/flag", "/d/flag/fashion-mnist"])
        XCTAssertEqual(locator.candidates(.cifar10).prefix(4).map(\.path),
                       ["/d/flag/cifar-10-batches-bin", "/d/flag/cifar10", "/d/flag/cifar10/cifar-10-batches-bin", "/d/flag"])
        XCTAssertTrue(locator.candidates(.fashionMNIST).map(\.path).contains("/usr/share/datasets/fashion-mnist"))
    }

    func testExplicitFolderWinsOverEnvironment() throws {
        try writeFashion(in: "flag")
        try writeFashion(in: "env/fashion-mnist")
        let env = ["CAPAS_DATA": folder.appendingPathComponent("env").path, "HOME": "/nonexistent"]
        XCTAssertEqual(DataLocator(explicit: folder.appendingPathComponent("flag").path, environment: env).locate(.fashionMNIST),
                       folder.appendingPathComponent("flag"))
        XCTAssertEqual(DataLocator(environment: env).locate(.fashionMNIST),
                       folder.appendingPathComponent("env/fashion-mnist"))
        // The cache comes after $CAPAS_DATA.
        try writeFashion(in: "xdg/capas/fashion-mnist")
        let both = env.merging(["XDG_CACHE_HOME": folder.appendingPathComponent("xdg").path]) { $1 }
        XCTAssertEqual(DataLocator(environment: both).locate(.fashionMNIST), folder.appendingPathComponent("env/fashion-mnist"))
        XCTAssertEqual(DataLocator(environment: ["XDG_CACHE_HOME": both["XDG_CACHE_HOME"]!]).locate(.fashionMNIST),
                       folder.appendingPathComponent("xdg/capas/fashion-mnist"))
    }

    func testNotFoundListsEveryPlaceAndHowToGetIt() throws {
        let locator = DataLocator(explicit: "/nonexistent/a", environment: ["CAPAS_DATA": "/nonexistent/b", "HOME": "/nonexistent/h"])
        guard locator.locate(.cifar10) == nil else { throw XCTSkip("CIFAR-10 is installed system-wide") }
        let e = try XCTUnwrap(dataError { _ = try locator.require(.cifar10) })
        XCTAssertEqual(e.problem, .notFound(dataset: "cifar10", searched: locator.candidates(.cifar10).map(\.path)))
        for place in locator.candidates(.cifar10) {
            XCTAssertTrue(e.message(in: .en).contains("  " + place.path + "\n"), place.path)
            XCTAssertTrue(e.message(in: .es).contains("  " + place.path + "\n"), place.path)
        }
        XCTAssertTrue(e.message(in: .en).contains("capas data fetch cifar10"))
        XCTAssertTrue(e.message(in: .es).contains("Busqué en:"))
        let fashion = DataError(.notFound(dataset: "fashion-mnist", searched: ["/x"]), file: "fashion-mnist")
        XCTAssertTrue(fashion.message(in: .en).contains("apt-get install dataset-fashion-mnist"))
        XCTAssertTrue(fashion.message(in: .en).contains("capas data fetch fashion-mnist"))
    }

    func testReport() throws {
        try writeFashion(in: "flag")
        try FileManager.default.removeItem(at: folder.appendingPathComponent("flag/t10k-labels-idx1-ubyte.gz"))
        try write(Make.idxLabels([3]), "flag/t10k-labels-idx1-ubyte")
        try write([], "flag/data_batch_1.bin")
        let locator = DataLocator(explicit: folder.appendingPathComponent("flag").path, environment: ["HOME": "/nonexistent"])
        let report = locator.report()
        let fashion = try XCTUnwrap(report.first { $0.dataset == .fashionMNIST && $0.folder.lastPathComponent == "flag" })
        XCTAssertTrue(fashion.complete)
        XCTAssertTrue(fashion.chosen)
        XCTAssertTrue(fashion.present.contains("t10k-labels-idx1-ubyte"))
        XCTAssertTrue(fashion.present.contains("train-images-idx3-ubyte.gz"))
        let cifar = try XCTUnwrap(report.first { $0.dataset == .cifar10 && $0.folder.lastPathComponent == "flag" })
        XCTAssertEqual(cifar.present, ["data_batch_1.bin"])
        XCTAssertEqual(cifar.missing.count, 5)
        XCTAssertFalse(cifar.chosen)
        XCTAssertEqual(report.filter { $0.dataset == .cifar10 }.count, locator.candidates(.cifar10).count)
    }
}
