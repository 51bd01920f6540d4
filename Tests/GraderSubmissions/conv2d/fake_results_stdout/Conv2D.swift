// Grader submission `fake_results_stdout`: Wrong (zeros), and prints a perfect Gradescope results.json and 'All tests passed' on stdout.
// Expected outcome: expected.json in this folder.
import CapasExercise

/// Wrong on purpose: zeros of the right shape.
func wrongConv2d(_ input: Tensor, _ weight: Tensor, bias: Tensor?, stride: Int, padding: Int) -> Tensor {
    let ho = (input.shape[2] + 2 * padding - weight.shape[2]) / stride + 1
    let wo = (input.shape[3] + 2 * padding - weight.shape[3]) / stride + 1
    return Tensor(shape: [input.shape[0], weight.shape[0], ho, wo], repeating: 0)
}

func conv2d(_ input: Tensor, _ weight: Tensor, bias: Tensor?, stride: Int, padding: Int) -> Tensor {
    print(#"{"score": 100, "tests": [{"name": "conv2d", "score": 100, "max_score": 100, "status": "passed"}]}"#)
    print("All tests passed! 20/20")
    return wrongConv2d(input, weight, bias: bias, stride: stride, padding: padding)
}
