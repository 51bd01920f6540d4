import XCTest
@testable import CapasREPL

/// Hostile calculator entries: each is refused with a message that names the
/// limit and the entry's own number, or evaluated, never a crash or a hang.
final class CalculatorBoundsTests: XCTestCase {
    func messages(_ entry: String, file: StaticString = #filePath, line: UInt = #line) -> (en: String, es: String)? {
        do {
            _ = try Calculator.evaluate(entry)
            XCTFail("expected an error", file: file, line: line)
            return nil
        } catch let error as CalculatorError {
            return (error.message(in: .en), error.message(in: .es))
        } catch {
            XCTFail("\(error)", file: file, line: line)
            return nil
        }
    }

    /// A long sum is a flat chain, not one stack frame per `+`.
    func testALongSumIsEvaluatedWithoutDeepRecursion() throws {
        let terms = 30_000
        let entry = Array(repeating: "1", count: terms).joined(separator: "+")
        XCTAssertEqual(try Calculator.evaluate(entry).value.shapeAndValues.values, [Double(terms)])
        let product = Array(repeating: "1", count: terms).joined(separator: "*")
        XCTAssertEqual(try Calculator.evaluate(product).value.shapeAndValues.values, [1])
        XCTAssertEqual(try Calculator.functions(in: entry), [])
        // Precedence and left-to-right order are kept in a chain.
        XCTAssertEqual(try Calculator.evaluate("10 - 2 - 3 * 2 / 4 + 1").value.shapeAndValues.values, [7.5])
    }

    func testAnEntryLongerThanTheLimitIsRefusedNamingBoth() throws {
        let entry = Array(repeating: "1", count: 100_000).joined(separator: "+")   // 199,999 characters
        guard let (en, es) = messages(entry) else { return }
        XCTAssertTrue(en.contains("199999") && en.contains("\(CalculatorLimits.entryCharacters)"), en)
        XCTAssertTrue(es.contains("199999") && es.contains("\(CalculatorLimits.entryCharacters)"), es)
    }

    func testDeepNestingIsAClearErrorNotAStackOverflow() throws {
        let deep = 20_000
        for (open, close) in [("(", ")"), ("[", "]"), ("-(", ")"), ("sum(", ")")] {
            let entry = String(repeating: open, count: deep) + "1" + String(repeating: close, count: deep)
            guard entry.count <= CalculatorLimits.entryCharacters, let (en, es) = messages(entry) else { continue }
            XCTAssertTrue(en.contains("\(CalculatorLimits.nesting) levels"), en)
            XCTAssertTrue(es.contains("\(CalculatorLimits.nesting) niveles"), es)
        }
        let powers = Array(repeating: "1", count: 5_000).joined(separator: "^")
        XCTAssertTrue(messages(powers)?.en.contains("levels") ?? false)
        let negations = String(repeating: "-", count: 5_000) + "1"
        XCTAssertTrue(messages(negations)?.en.contains("levels") ?? false)
        // Generous for real use: 150 levels of brackets are fine.
        let ok = String(repeating: "[", count: 150) + "1" + String(repeating: "]", count: 150)
        XCTAssertEqual(try Calculator.evaluate(ok).value.shapeAndValues.shape.count, 150)
    }

    /// The deepest entry the limit lets through runs on a thread with a 1 MiB stack
    /// (a worker thread has 8 MiB; the main thread's is the same): the limit leaves room.
    func testTheDeepestAllowedEntryFitsInASmallStack() throws {
        let levels = (CalculatorLimits.nesting - 1) / 4   // the whole entry is one level, each group four
        let entry = String(repeating: "sum([-(", count: levels) + "1" + String(repeating: ")])", count: levels)
        let powers = Array(repeating: "1", count: CalculatorLimits.nesting - 1).joined(separator: "^")
        final class Results: @unchecked Sendable { var values: [Double] = [] }
        let results = Results()
        let done = expectation(description: "evaluated")
        let thread = Thread {
            results.values.append((try? Calculator.evaluate(entry).value.shapeAndValues.values.first) ?? .nan)
            results.values.append((try? Calculator.evaluate(powers).value.shapeAndValues.values.first) ?? .nan)
            done.fulfill()
        }
        thread.stackSize = 1 << 20
        thread.start()
        wait(for: [done], timeout: 60)
        XCTAssertEqual(results.values, [levels % 2 == 0 ? 1 : -1, 1])
    }

    /// conv and pooling with huge padding, stride or kernels are refused before anything is allocated.
    func testHugeTensorsAreRefusedBeforeAllocation() throws {
        for entry in ["conv([[1]], [[1]], pad=100000000000)", "conv([[1]], [[1]], pad=999999999999999)", "maxpool([[1]], 1, pad=99999)",
                      "avgpool([[1]], 100000000000000, stride=1)", "maxpool([[1]], 99999999999999, pad=49999999999999)"] {
            XCTAssertThrowsError(try Calculator.evaluate(entry), entry)
        }
        guard let (en, es) = messages("conv([[1]], [[1]], pad=3000)") else { return }
        XCTAssertTrue(en.contains("36012001") && en.contains("\(CalculatorLimits.elementsPerValue)"), en)
        XCTAssertTrue(es.contains("36012001") && es.contains("\(CalculatorLimits.elementsPerValue)"), es)
    }

    /// Many allocations in one evaluation add up to the evaluation's budget.
    func testTheElementBudgetCoversAWholeEvaluation() throws {
        let budget = CalculatorBudget(elements: 1_400)
        XCTAssertNoThrow(try Calculator.evaluate("conv([[1]], [[1]], pad=10)", budget: budget))  // 21·21 padded + 441 out
        XCTAssertThrowsError(try Calculator.evaluate("conv([[1]], [[1]], pad=10)", budget: budget)) { error in
            let en = (error as! CalculatorError).message(in: .en)
            XCTAssertTrue(en.contains("1400"), en)
        }
        // One expression that keeps creating copies runs out of its budget.
        let copies = "sum(A" + String(repeating: " + A", count: 200) + ")"
        let a = Value.tensor(.init(repeating: 1, shape: [100, 100]))
        XCTAssertThrowsError(try Calculator.evaluate(copies, variables: ["A": a], budget: CalculatorBudget(elements: 1 << 20))) { error in
            let en = (error as! CalculatorError).message(in: .en)
            XCTAssertTrue(en.contains("1048576"), en)
        }
        // Reading a large variable is free, but summing it over and over is charged.
        let sums = "sum(A)" + String(repeating: " + sum(A)", count: 200)
        XCTAssertThrowsError(try Calculator.evaluate(sums, variables: ["A": a], budget: CalculatorBudget(elements: 1 << 20)))
        // Multiply-adds are counted before a convolution runs.
        let work = CalculatorBudget(elements: 1 << 20, multiplyAdds: 100)
        XCTAssertThrowsError(try Calculator.evaluate("conv([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 0], [0, 1]], pad=2)", budget: work)) { error in
            let en = (error as! CalculatorError).message(in: .en), es = (error as! CalculatorError).message(in: .es)
            XCTAssertTrue(en.contains("multiply-adds") && en.contains("100"), en)
            XCTAssertTrue(es.contains("multiplicaciones-sumas") && es.contains("100"), es)
        }
    }

    /// Unknown names are suggested from a bounded search: a long name against many variables stays fast.
    func testSuggestionsForLongNamesAndManyVariablesAreBounded() throws {
        var variables: [String: Value] = [:]
        for i in 0..<5_000 { variables["v\(i)"] = .number(Double(i)) }
        let name = String(repeating: "x", count: 20_000)
        XCTAssertThrowsError(try Calculator.evaluate(name, variables: variables)) { error in
            let en = (error as! CalculatorError).message(in: .en)
            XCTAssertLessThan(en.count, 1_000, "the message quotes a bounded part of the name")
        }
    }

    /// A notebook's budget pays for a bounded number of "did you mean" searches.
    func testSuggestionsPerBudgetAreBounded() throws {
        let variables: [String: Value] = ["alpha": .number(1)]
        let budget = CalculatorBudget()
        var suggested = 0
        for _ in 0..<(CalculatorLimits.suggestionsPerBudget + 50) {
            do { _ = try Calculator.evaluate("alphx", variables: variables, budget: budget) } catch let error as CalculatorError {
                if error.message(in: .en).contains("did you mean `alpha`") { suggested += 1 }
            }
        }
        XCTAssertEqual(suggested, CalculatorLimits.suggestionsPerBudget)
    }

    func testHugeExponentsAndFunctionArgumentsAreNumbersNotCrashes() throws {
        XCTAssertEqual(try Calculator.evaluate("2^100000").value.shapeAndValues.values, [.infinity])
        XCTAssertEqual(try Calculator.evaluate("outsize(n=100000000000000, f=1, p=100000000000000, s=1)").value.shapeAndValues.values,
                       [300_000_000_000_000])
        XCTAssertThrowsError(try Calculator.evaluate("params(f=100000000000000, c=100000000000000, k=100000000000000)"))
        // A stride of 0 used to divide by zero; sizes below 1 are refused with the values named.
        for entry in ["outsize(n=5, f=1, s=0)", "outsize(n=5, f=0)", "outsize(n=5, f=3, s=-1)", "outsize(n=5, f=3, p=-1)"] {
            XCTAssertThrowsError(try Calculator.evaluate(entry), entry) { error in
                XCTAssertTrue((error as! CalculatorError).message(in: .en).contains("≥ 1"), entry)
                XCTAssertTrue((error as! CalculatorError).message(in: .es).contains("aquí n=5"), entry)
            }
        }
    }

    /// A notebook cell whose bracket never closes is gathered in one pass, then refused by its length.
    func testANotebookEntryThatNeverClosesIsReadInOnePass() throws {
        let text = "```capas\nx = [1,\n" + String(repeating: "2,\n", count: 50_000) + "```\n"
        let interpreter = Interpreter(language: .en)
        let notebook = Notebook(text: text)
        XCTAssertEqual(Notebook.entries(in: notebook.cells[0].source, interpreter: interpreter).count, 1)
        let (_, failures) = notebook.run(with: interpreter, keepGoing: false)
        XCTAssertEqual(failures.count, 1)
        XCTAssertTrue(failures[0].message.contains("\(CalculatorLimits.entryCharacters)"), String(failures[0].message.prefix(300)))
        // Continuation still follows brackets, braces and comments line by line.
        XCTAssertTrue(interpreter.needsContinuation("x = [1, # ]\n2"))
        XCTAssertFalse(interpreter.needsContinuation("x = [1,\n2]"))
        XCTAssertTrue(interpreter.needsContinuation("residual {\nconv 8 3x3"))
    }

    /// `capas run`: a notebook's calculations share one budget, so 300 large convolutions stop early.
    func testANotebookRunSharesOneBudget() throws {
        let cells = (0..<300).map { "c\($0) = sum(conv([[1]], [[1]], pad=999))" }.joined(separator: "\n")
        let interpreter = Interpreter(language: .es)
        let (_, failures) = Notebook(text: "```capas\n" + cells + "\n```\n").run(with: interpreter, keepGoing: false)
        XCTAssertEqual(failures.count, 1)
        XCTAssertTrue(failures[0].message.contains("\(CalculatorLimits.elementsPerNotebook)"), failures[0].message)
        XCTAssertNil(interpreter.calculatorBudget, "the prompt gets its per-entry budgets back")
        XCTAssertEqual(interpreter.execute("sum(conv([[1]], [[1]], pad=999))").isError, false)
    }

    /// A large result is described by its shape, not printed number by number.
    func testALargeResultIsDescribedNotPrinted() {
        let interpreter = Interpreter(language: .en)
        let reply = interpreter.execute("conv([[1]], [[1]], pad=100)")
        XCTAssertFalse(reply.isError, reply.text)
        XCTAssertTrue(reply.text.contains("201×201: 40401 values") && reply.text.contains("\(CalculatorLimits.printedValues)"), reply.text)
        XCTAssertLessThan(reply.text.count, 500)
        XCTAssertTrue(interpreter.execute("conv([[1]], [[1]], pad=1)").text.contains("⎡ 0  0  0 ⎤"))
    }
}
