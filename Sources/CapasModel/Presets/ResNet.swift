// ResNet-18 as in torchvision: residual blocks with identity shortcuts, and
// 1x1-convolution shortcuts where the size or the channels change.

extension Presets {
    /// torchvision's resnet18: 11,689,512 parameters, 1,814,083,944 multiply-adds (torchinfo).
    public static let resnet18 = """
    # ResNet-18 (He, Zhang, Ren and Sun, 2015) as in torchvision: eight basic
    # blocks, y = relu(F(x) + x), where F is two 3x3 convolutions with batch
    # norm. The shortcut lets the gradient skip F, so deep networks still train.
    # Convolutions followed by batch norm have no bias (its β does that job).
    input 224x224x3

    # stem: 224x224x3 → 56x56x64
    conv 64 7x7 stride=2 pad=3 bias=no; batchnorm; relu    # → 112x112x64
    maxpool 3 stride=2 pad=1                                # → 56x56x64

    # layer1, block 1: 56x56x64, identity shortcut
    residual {
      conv 64 3x3 pad=1 bias=no; batchnorm; relu
      conv 64 3x3 pad=1 bias=no; batchnorm
    }
    relu

    # layer1, block 2: 56x56x64, identity shortcut
    residual {
      conv 64 3x3 pad=1 bias=no; batchnorm; relu
      conv 64 3x3 pad=1 bias=no; batchnorm
    }
    relu

    # layer2, block 1: 56x56x64 → 28x28x128; the shortcut must change shape too:
    # a 1x1 convolution with stride 2 (torchvision's downsample)
    residual {
      conv 128 3x3 stride=2 pad=1 bias=no; batchnorm; relu
      conv 128 3x3 pad=1 bias=no; batchnorm
    } shortcut {
      conv 128 1x1 stride=2 bias=no; batchnorm
    }
    relu

    # layer2, block 2: 28x28x128, identity shortcut
    residual {
      conv 128 3x3 pad=1 bias=no; batchnorm; relu
      conv 128 3x3 pad=1 bias=no; batchnorm
    }
    relu

    # layer3, block 1: 28x28x128 → 14x14x256; the shortcut must change shape too:
    # a 1x1 convolution with stride 2 (torchvision's downsample)
    residual {
      conv 256 3x3 stride=2 pad=1 bias=no; batchnorm; relu
      conv 256 3x3 pad=1 bias=no; batchnorm
    } shortcut {
      conv 256 1x1 stride=2 bias=no; batchnorm
    }
    relu

    # layer3, block 2: 14x14x256, identity shortcut
    residual {
      conv 256 3x3 pad=1 bias=no; batchnorm; relu
      conv 256 3x3 pad=1 bias=no; batchnorm
    }
    relu

    # layer4, block 1: 14x14x256 → 7x7x512; the shortcut must change shape too:
    # a 1x1 convolution with stride 2 (torchvision's downsample)
    residual {
      conv 512 3x3 stride=2 pad=1 bias=no; batchnorm; relu
      conv 512 3x3 pad=1 bias=no; batchnorm
    } shortcut {
      conv 512 1x1 stride=2 bias=no; batchnorm
    }
    relu

    # layer4, block 2: 7x7x512, identity shortcut
    residual {
      conv 512 3x3 pad=1 bias=no; batchnorm; relu
      conv 512 3x3 pad=1 bias=no; batchnorm
    }
    relu

    # head: the mean of each of the 512 channels, then the classifier
    globalavgpool                  # 7x7x512 → 512 (AdaptiveAvgPool2d((1, 1)) and flatten)
    dense 1000                     # (512 + 1)·1000 = 513,000 parameters

    """
}
