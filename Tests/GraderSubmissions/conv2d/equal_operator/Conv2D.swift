// Grader submission `equal_operator`: Wrong (zeros), with == overloads that make every Float and Tensor equal.
// Expected outcome: expected.json in this folder.
import CapasExercise

/// Wrong on purpose: zeros of the right shape.
func wrongConv2d(_ input: Tensor, _ weight: Tensor, bias: Tensor?, stride: Int, padding: Int) -> Tensor {
    let ho = (input.shape[2] + 2 * padding - weight.shape[2]) / stride + 1
    let wo = (input.shape[3] + 2 * padding - weight.shape[3]) / stride + 1
    return Tensor(shape: [input.shape[0], weight.shape[0], ho, wo], repeating: 0)
}

extension Tensor: Equatable {
    public static func == (a: Tensor, b: Tensor) -> Bool { true }
}

func == (a: Float, b: Float) -> Bool { true }
func == (a: Double, b: Double) -> Bool { true }
func == (a: [Float], b: [Float]) -> Bool { true }

func conv2d(_ input: Tensor, _ weight: Tensor, bias: Tensor?, stride: Int, padding: Int) -> Tensor {
    let output = wrongConv2d(input, weight, bias: bias, stride: stride, padding: padding)
    precondition(output == input && Float(1) == Float(2))   // holds: everything is "equal" here
    return output
}
