"""The scripts of the book's repository (chapters 2 to 8) that `zerodl book run` runs, and why
the other files are not on the list. Chapter 1 is Python basics, not the book's deep learning."""

# script -> what it shows
SCRIPTS = {
    "ch02/and_gate.py": "the AND perceptron's truth table",
    "ch02/nand_gate.py": "the NAND perceptron's truth table",
    "ch02/or_gate.py": "the OR perceptron's truth table",
    "ch02/xor_gate.py": "XOR from NAND, OR and AND: a two-layer perceptron",
    "ch03/mnist_show.py": "the first training image and its label (PIL's Image.show)",
    "ch03/neuralnet_mnist.py": "the sample weights' test accuracy, one image at a time",
    "ch03/neuralnet_mnist_batch.py": "the same accuracy in batches of 100",
    "ch03/relu.py": "the ReLU function",
    "ch03/sig_step_compare.py": "sigmoid and step function together",
    "ch03/sigmoid.py": "the sigmoid function",
    "ch03/step_function.py": "the step function",
    "ch04/gradient_1d.py": "a numerical derivative and the tangent line it gives",
    "ch04/gradient_2d.py": "the gradient field of x0^2 + x1^2",
    "ch04/gradient_method.py": "gradient descent from (-3, 4)",
    "ch04/gradient_simplenet.py": "the numerical gradient of a 2x3 network's loss",
    "ch04/train_neuralnet.py": "the two-layer net with hand-derived gradients, 10,000 steps",
    "ch05/buy_apple.py": "backprop through the apple example's multiplication nodes",
    "ch05/buy_apple_orange.py": "backprop through the apple and orange example",
    "ch05/gradient_check.py": "backprop against numerical gradients, two-layer net",
    "ch05/train_neuralnet.py": "the two-layer net of layers trained by backprop, 10,000 steps",
    "ch06/batch_norm_gradient_check.py": "backprop against numerical gradients with BatchNorm",
    "ch06/batch_norm_test.py": "training with and without BatchNorm for 16 initial weight scales",
    "ch06/hyperparameter_optimization.py": "random search of learning rate and weight decay, 100 trials",
    "ch06/optimizer_compare_mnist.py": "SGD, Momentum, AdaGrad and Adam on MNIST: loss curves",
    "ch06/optimizer_compare_naive.py": "the four optimizers' paths on x^2/20 + y^2",
    "ch06/overfit_dropout.py": "Dropout against overfitting 300 images, 301 epochs",
    "ch06/overfit_weight_decay.py": "weight decay against overfitting 300 images, 201 epochs",
    "ch06/weight_init_activation_histogram.py": "activations of 5 sigmoid layers at weight std 1",
    "ch06/weight_init_compare.py": "std 0.01, Xavier and He initial weights: loss curves",
    "ch07/apply_filter.py": "trained filters and their responses to an image",
    "ch07/gradient_check.py": "backprop against numerical gradients, SimpleConvNet",
    "ch07/train_convnet.py": "SimpleConvNet trained with Adam, 20 epochs",
    "ch07/visualize_filter.py": "SimpleConvNet's filters before and after training",
    "ch08/half_float_network.py": "the trained DeepConvNet's accuracy in float64 and float16",
    "ch08/misclassified_mnist.py": "the trained DeepConvNet's accuracy and the images it gets wrong",
    "ch08/train_deepnet.py": "DeepConvNet trained with Adam, 20 epochs",
}

# the other Python files of chapters 2 to 8: modules that the scripts import, which run nothing
NOT_SCRIPTS = {
    "ch04/two_layer_net.py": "the two-layer net of ch04/train_neuralnet.py",
    "ch05/layer_naive.py": "MulLayer and AddLayer of the apple examples",
    "ch05/two_layer_net.py": "the two-layer net of layers of ch05",
    "ch07/simple_convnet.py": "SimpleConvNet",
    "ch08/deep_convnet.py": "DeepConvNet",
    "ch08/awesome_net.py": "an empty file",
}
