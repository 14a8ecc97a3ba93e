package tensor_test

import (
	"fmt"

	"github.com/tapegrad/tapegrad/tensor"
)

func ExampleMatMul() {
	a := tensor.FromSlice([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	b := tensor.FromSlice([]float64{7, 8, 9, 10, 11, 12}, 3, 2)
	fmt.Println(tensor.MatMul(a, b))

	// A stack of four 2×3 matrices times one 3×2 matrix: the batch axis
	// broadcasts.
	stack := tensor.Ones[float64](4, 2, 3)
	fmt.Println(tensor.MatMul(stack, b).Shape())
	// Output:
	// [[ 58.  64.]
	//  [139. 154.]]
	// [4 2 2]
}

func ExampleSum() {
	x := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	rows := tensor.Sum(x, true, 1) // keepDims: shape (2, 1), broadcastable against x
	fmt.Println(rows.Shape(), rows)
	fmt.Println(tensor.Div(x, rows))

	cols := tensor.Sum(x, false, 0)
	fmt.Println(cols.Shape(), cols)
	fmt.Println(tensor.Sum(x, false))
	// Output:
	// [2 1] [[ 6.]
	//  [15.]]
	// [[0.1667 0.3333 0.5   ]
	//  [0.2667 0.3333 0.4   ]]
	// [3] [5. 7. 9.]
	// 21.
}

func ExampleTensor_String() {
	fmt.Println(tensor.FromSlice([]float64{1, -2.5, 3, 4, 5, 6.25}, 2, 3))
	fmt.Println(tensor.Arange[float64](0, 8, 1).Reshape(2, 2, 2))
	fmt.Println(tensor.FromSlice([]float64{1e-5, 1}))
	// Output:
	// [[ 1.   -2.5   3.  ]
	//  [ 4.    5.    6.25]]
	// [[[0. 1.]
	//   [2. 3.]]
	//
	//  [[4. 5.]
	//   [6. 7.]]]
	// [1.e-05 1.e+00]
}

func ExampleBroadcastShapes() {
	fmt.Println(tensor.BroadcastShapes([]int{8, 1, 6, 1}, []int{7, 1, 5}))
	fmt.Println(tensor.BroadcastShapes([]int{2, 3}, []int{}))
	fmt.Println(tensor.BroadcastShapes([]int{2, 3}, []int{2}))
	// Output:
	// [8 7 6 5] <nil>
	// [2 3] <nil>
	// [] tensor: shapes [2 3] and [2] cannot be broadcast together: sizes 3 and 2 at axis -1 differ and neither is 1
}

func ExampleSumTo() {
	// The gradient of a bias of shape (3) broadcast over a batch of 2 rows
	// sums the batch axis away.
	grad := tensor.FromSlice([]float64{1, 2, 3, 10, 20, 30}, 2, 3)
	fmt.Println(tensor.SumTo(grad, 3))
	fmt.Println(tensor.SumTo(grad, 2, 1))
	// Output:
	// [11. 22. 33.]
	// [[ 6.]
	//  [60.]]
}
