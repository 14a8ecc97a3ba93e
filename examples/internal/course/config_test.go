package course

import (
	"fmt"
	"testing"
)

func TestSizes(t *testing.T) {
	for _, c := range []struct {
		in, want, str string
	}{{"100, 50", "[100 50]", "100,50"}, {"", "[]", ""}, {" 7 ", "[7]", "7"}} {
		var s Sizes
		if err := s.Set(c.in); err != nil || fmt.Sprint([]int(s)) != c.want || s.String() != c.str {
			t.Errorf("Set(%q): %v %q, %v; want %s %q", c.in, []int(s), s.String(), err, c.want, c.str)
		}
	}
	var s Sizes
	if err := s.Set("100,0"); err == nil || err.Error() != `bad layer size "0": want positive integers separated by commas, or "" for none` {
		t.Errorf("Set(\"100,0\") = %v", err)
	}
}
