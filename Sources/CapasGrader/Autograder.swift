import Foundation

/// Files that run capas on course platforms: a Gradescope autograder bundle
/// and a GitHub Actions workflow for learners' repositories.
public enum Autograder {
    /// The apt packages capas needs at run time and to build.
    public static let aptPackages = "libopenblas-dev libedit-dev zlib1g-dev libzmq3-dev bubblewrap pkg-config git curl ca-certificates python3"

    /// Gradescope's `setup.sh`: installs Swift and the packages, builds capas
    /// from the bundled source. Gradescope runs it once, as root, in /autograder/source.
    public static func gradescopeSetup(swiftVersion: String) -> String {
        """
        #!/usr/bin/env bash
        # Gradescope runs this once to build the autograder image.
        set -euo pipefail
        export DEBIAN_FRONTEND=noninteractive
        # Only what is missing, so that an image that has them all needs no network;
        # CAPAS_SKIP_APT=1 skips this step (a test root without apt's network).
        packages="\(aptPackages) binutils libc6-dev libcurl4-openssl-dev libxml2-dev libncurses-dev"
        missing=$(for p in $packages; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
        if [ -n "$missing" ] && [ "${CAPAS_SKIP_APT:-0}" != 1 ]; then
            apt-get update -qq
            apt-get install -y -qq $missing
        elif [ -n "$missing" ]; then
            echo "setup.sh: CAPAS_SKIP_APT=1: not installing" $missing >&2
        fi
        if ! command -v swift >/dev/null; then
            . /etc/os-release
            platform="ubuntu${VERSION_ID}"; dir="ubuntu$(echo "$VERSION_ID" | tr -d .)"
            curl -fsSL "https://download.swift.org/swift-\(swiftVersion)-release/${dir}/swift-\(swiftVersion)-RELEASE/swift-\(swiftVersion)-RELEASE-${platform}.tar.gz" \\
                | tar -xz -C /opt
            ln -sf /opt/swift-\(swiftVersion)-RELEASE-${platform}/usr/bin/* /usr/local/bin/
        fi
        # The course (its secret, the hidden checks) is for capas, which runs as root:
        # without bubblewrap a learner's program runs as another user and sees the disk.
        chmod -R go-rwx /autograder/source/course
        cd /autograder/source/capas
        swift build -c release --product capas
        ln -sf /autograder/source/capas/.build/release/capas /usr/local/bin/capas

        """
    }

    /// Gradescope's `run_autograder`: grades /autograder/submission with every
    /// check, the learner id from submission_metadata.json (mapped to the
    /// roster's id by `learner_id.py`), into results.json. capas writes
    /// results.json itself; whatever the submission prints is not read.
    /// (`AUTOGRADER_ROOT` stands for /autograder when the script is tried elsewhere.)
    public static func gradescopeRun(exercise: String?) -> String {
        let only = exercise.map { " --exercise \($0)" } ?? ""
        return """
        #!/usr/bin/env bash
        # Gradescope runs this for every submission.
        set -uo pipefail
        root="${AUTOGRADER_ROOT:-/autograder}"
        learner=$(python3 "$root/source/learner_id.py" "$root/submission_metadata.json" "$root/source/course/roster.csv")
        mkdir -p "$root/results"
        # Only capas reads the course: a learner's program runs as another user (setup.sh does it too).
        chmod -R go-rwx "$root/source/course"
        capas grade "$root/submission" --course "$root/source/course"\(only) \\
            --learner "$learner" --format gradescope --output "$root/results/results.json"
        status=$?
        # 0 and 1 are grades; 2 and 3 mean the autograder is at fault: say so instead of a silent zero.
        if [ $status -ge 2 ] && [ ! -s "$root/results/results.json" ]; then
            echo '{"score": 0, "output": "capas could not grade this submission (exit '"$status"'); contact the instructor.", "tests": [], "visibility": "visible", "stdout_visibility": "hidden"}' \\
                > "$root/results/results.json"
        fi
        exit 0

        """
    }

    /// `learner_id.py METADATA [ROSTER]`: prints the learner id for a Gradescope
    /// submission. With a roster (`id,name,email`, header optional) a user is
    /// matched by student id (sid = id), then email, then name; the first user
    /// of a group that matches wins. Without a roster, or with no match, the
    /// sid, else the email (a warning on stderr when a roster did not match).
    public static let gradescopeLearnerID = #"""
    #!/usr/bin/env python3
    # The capas learner id of a Gradescope submission (see run_autograder).
    import csv, json, os, sys

    meta = json.load(open(sys.argv[1], encoding="utf-8"))
    users = meta.get("users") or [{}]
    roster = []
    if len(sys.argv) > 2 and os.path.exists(sys.argv[2]):
        with open(sys.argv[2], encoding="utf-8-sig", newline="") as f:
            for i, row in enumerate(r for r in csv.reader(f) if any(c.strip() for c in r)):
                row = [c.strip() for c in row] + ["", ""]
                if i == 0 and row[0].lower() in ("id", "learner", "learner_id", "student", "student_id", "sid"):
                    continue
                roster.append({"id": row[0], "name": row[1], "email": row[2].lower()})

    def norm(s):
        return (s or "").strip().lower()

    def match(user):
        sid, email, name = norm(user.get("sid")), norm(user.get("email")), norm(user.get("name"))
        for key, test in (("sid", lambda e: sid and norm(e["id"]) == sid),
                          ("email", lambda e: email and (e["email"] == email or norm(e["id"]) == email)),
                          ("name", lambda e: name and norm(e["name"]) == name)):
            found = [e for e in roster if test(e)]
            if len(found) == 1:
                return found[0]["id"]
        return None

    for user in users:
        found = match(user) if roster else None
        if found:
            print(found)
            sys.exit(0)
    user = users[0]
    fallback = user.get("sid") or user.get("email") or str(meta.get("id", "unknown"))
    if roster:
        print("capas: no roster line matches this submission's users; graded as " + fallback, file=sys.stderr)
    print(fallback)
    """#

    /// The packages capas needs to build and run (the workflow installs only what is missing).
    public static let buildPackages = "libopenblas-dev libedit-dev zlib1g-dev pkg-config"

    /// A workflow for learners' repositories: on every push, self-check the
    /// exercises and show the results as a JUnit report. `capasRepository`
    /// (owner/name) is where capas' source is checked out from; nil builds
    /// capas from the learner's repository itself (a copy of a course
    /// repository that holds capas' source). The build is cached, keyed on
    /// capas' revision. Every `run:` step reads only shell variables.
    public static func githubWorkflow(capasRepository: String?, capasRef: String? = nil, swiftVersion: String) -> String {
        """
        # capas self-check: runs the visible checks of every exercise on each push.
        # Hidden checks are graded by the instructor later.
        name: capas check
        on: [push, pull_request, workflow_dispatch]
        permissions:
          contents: read
          checks: write
        env:
          # capas' source: a repository owner/name, or empty for this repository
          # (a course repository that holds capas' source); CAPAS_REF: a branch,
          # tag or commit of it (empty: its default branch).
          CAPAS_REPOSITORY: "\(capasRepository ?? "")"
          CAPAS_REF: "\(capasRef ?? "")"
          SWIFT_VERSION: "\(swiftVersion)"
        jobs:
          check:
            runs-on: ubuntu-22.04
            timeout-minutes: 30
            steps:
              - uses: actions/checkout@v4
              - uses: actions/checkout@v4
                if: env.CAPAS_REPOSITORY != ''
                with:
                  repository: ${{ env.CAPAS_REPOSITORY }}
                  ref: ${{ env.CAPAS_REF }}
                  path: .capas
              - name: Locate capas
                run: |
                  if [ -n "$CAPAS_REPOSITORY" ]; then dir=.capas; else dir=.; fi
                  echo "CAPAS_DIR=$dir" >> "$GITHUB_ENV"
                  echo "CAPAS_REVISION=$(git -C "$dir" rev-parse HEAD)" >> "$GITHUB_ENV"
              - uses: actions/cache@v4
                with:
                  path: ${{ env.CAPAS_DIR }}/.build
                  key: capas-${{ runner.os }}-swift-${{ env.SWIFT_VERSION }}-${{ env.CAPAS_REVISION }}
              - name: System packages
                run: |
                  packages="\(buildPackages)"
                  if ! dpkg -s $packages >/dev/null 2>&1; then
                      sudo apt-get update -qq && sudo apt-get install -y -qq $packages
                  fi
              - uses: swift-actions/setup-swift@v2
                with:
                  swift-version: ${{ env.SWIFT_VERSION }}
              - name: Build capas
                run: |
                  if [ ! -x "$CAPAS_DIR/.build/release/capas" ]; then
                      swift build -c release --product capas --package-path "$CAPAS_DIR"
                  fi
              - name: Self-check
                run: |
                  "$CAPAS_DIR"/.build/release/capas check --submission . --format junit --output capas-junit.xml --lang es
              - uses: mikepenz/action-junit-report@v4
                if: always()
                with:
                  report_paths: capas-junit.xml
                  check_name: capas

        """
    }

    /// True when `folder` holds capas' source (a package with the grader in it).
    public static func isCapasSource(_ folder: URL) -> Bool {
        let fm = FileManager.default
        return fm.fileExists(atPath: folder.appendingPathComponent("Package.swift").path)
            && fm.fileExists(atPath: folder.appendingPathComponent("Sources/CapasGrader").path)
            && fm.fileExists(atPath: folder.appendingPathComponent("Sources/capas").path)
    }

    /// The source this capas was built from, when it is still there.
    public static var builtFromSource: URL? {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return isCapasSource(root) ? root : nil
    }

    /// What of capas' source a build needs: the manifest (and its lock file),
    /// Sources/, and every folder the manifest names (`path:` targets, test
    /// targets' folders under Tests/), so that SwiftPM finds every target.
    public static func sourceItems(_ source: URL) throws -> [String] {
        let manifest = try String(contentsOf: source.appendingPathComponent("Package.swift"), encoding: .utf8)
        var items = ["Package.swift", "Sources"]
        if FileManager.default.fileExists(atPath: source.appendingPathComponent("Package.resolved").path) { items.append("Package.resolved") }
        func captures(_ pattern: String) -> [String] {
            guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
            return regex.matches(in: manifest, range: NSRange(manifest.startIndex..., in: manifest)).compactMap {
                Range($0.range(at: 1), in: manifest).map { String(manifest[$0]) }
            }
        }
        items += captures(#"path:\s*"([^"]+)""#)
        // A test target without `path:` lives in Tests/<name>: each declaration runs to the next one.
        guard let declaration = try? NSRegularExpression(pattern: #"\.(testTarget|target|executableTarget|systemLibrary|binaryTarget|plugin|macro)\("#)
        else { return items }
        let matches = declaration.matches(in: manifest, range: NSRange(manifest.startIndex..., in: manifest))
        for (k, match) in matches.enumerated() {
            guard let kind = Range(match.range(at: 1), in: manifest), manifest[kind] == "testTarget",
                  let start = Range(match.range, in: manifest)?.upperBound else { continue }
            let end = k + 1 < matches.count ? (Range(matches[k + 1].range, in: manifest)?.lowerBound ?? manifest.endIndex) : manifest.endIndex
            let chunk = String(manifest[start..<end])
            if let name = Self.captures(in: chunk, #"name:\s*"([^"]+)""#).first, !chunk.contains("path:") { items.append("Tests/" + name) }
        }
        var seen = Set<String>()
        return items.filter { item in
            let clean = item.hasSuffix("/") ? String(item.dropLast()) : item
            guard !clean.hasPrefix("/"), !clean.split(separator: "/").contains(".."), seen.insert(clean).inserted else { return false }
            return true
        }
    }

    static func captures(in text: String, _ pattern: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    /// Writes the Gradescope bundle into `folder`: setup.sh, run_autograder,
    /// learner_id.py, course/grading (with the secret: the bundle is the
    /// instructor's), course/roster.csv when given, and capas' source. The
    /// bundle is made in a sibling folder and moved into place at the end, so
    /// a failure leaves no half-written bundle.
    public static func writeGradescope(course: Course, capasSource: URL, exercise: String?, swiftVersion: String,
                                       roster: URL? = nil, to folder: URL) throws {
        let fm = FileManager.default
        guard isCapasSource(capasSource) else {
            throw GraderError.exercise(path: capasSource.path, problem: Bilingual(
                es: "no es el código de capas (faltan Package.swift, Sources/capas o Sources/CapasGrader); usa --capas-source",
                en: "is not capas' source (no Package.swift, Sources/capas or Sources/CapasGrader); usa --capas-source"))
        }
        let items = try sourceItems(capasSource)
        let folder = folder.standardizedFileURL
        try fm.createDirectory(at: folder.deletingLastPathComponent(), withIntermediateDirectories: true)
        let staging = folder.deletingLastPathComponent().appendingPathComponent(".\(folder.lastPathComponent).partial-\(UUID().uuidString)")
        try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        do {
            try write(gradescopeSetup(swiftVersion: swiftVersion), to: staging.appendingPathComponent("setup.sh"), executable: true)
            try write(gradescopeRun(exercise: exercise), to: staging.appendingPathComponent("run_autograder"), executable: true)
            try write(gradescopeLearnerID, to: staging.appendingPathComponent("learner_id.py"), executable: true)
            let courseCopy = staging.appendingPathComponent("course")
            try fm.createDirectory(at: courseCopy, withIntermediateDirectories: true)
            try fm.copyItem(at: course.grading, to: courseCopy.appendingPathComponent("grading"))
            if let roster { try fm.copyItem(at: roster, to: courseCopy.appendingPathComponent("roster.csv")) }
            let source = staging.appendingPathComponent("capas")
            for item in items {
                let from = capasSource.appendingPathComponent(item)
                guard fm.fileExists(atPath: from.path) else {
                    throw GraderError.exercise(path: capasSource.path, problem: Bilingual(
                        es: "Package.swift nombra \(item), que no existe", en: "Package.swift names \(item), which does not exist"))
                }
                let to = source.appendingPathComponent(item)
                try fm.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
                try fm.copyItem(at: from, to: to)
            }
            if fm.fileExists(atPath: folder.path) { try fm.removeItem(at: folder) }
            try fm.moveItem(at: staging, to: folder)
        } catch {
            try? fm.removeItem(at: staging)
            throw error
        }
    }

    public static func writeGitHubWorkflow(capasRepository: String?, capasRef: String? = nil, swiftVersion: String,
                                           to folder: URL) throws -> URL {
        let dir = folder.appendingPathComponent(".github/workflows")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("capas-check.yml")
        try write(githubWorkflow(capasRepository: capasRepository, capasRef: capasRef, swiftVersion: swiftVersion),
                  to: file, executable: false)
        return file
    }

    static func write(_ text: String, to url: URL, executable: Bool) throws {
        try Data(text.utf8).write(to: url, options: .atomic)
        if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path) }
    }
}
