// Integer MAC processing element: signed W-bit weight x signed A-bit activation,
// accumulated over a reduction of 2**DEPTH_BITS terms.
// Stage 0: scratchpad interface registers (w_q, a_q) hold the operands read from the PE's
//          weight / activation scratchpads.
// Stage 1: pipeline register (p_q) after the multiplier.
// Stage 2: accumulator register (acc_q); clr restarts a reduction (synchronous).
module int_mac_pe #(
    parameter W = 8,
    parameter A = 8,
    parameter DEPTH_BITS = 8,
    parameter ACC = W + A + DEPTH_BITS  // product width plus log2(reduction depth) headroom
) (
    input  wire                  clk,
    input  wire                  clr,
    input  wire signed [W-1:0]   w_in,
    input  wire signed [A-1:0]   a_in,
    output wire signed [ACC-1:0] acc_out
);
    reg signed [W-1:0]   w_q;
    reg signed [A-1:0]   a_q;
    reg                  clr_q;
    reg signed [W+A-1:0] p_q;
    reg signed [ACC-1:0] acc_q;

    always @(posedge clk) begin
        w_q   <= w_in;
        a_q   <= a_in;
        clr_q <= clr;
        p_q   <= w_q * a_q;
        acc_q <= (clr_q ? {ACC{1'b0}} : acc_q) + {{(ACC-W-A){p_q[W+A-1]}}, p_q};
    end

    assign acc_out = acc_q;
endmodule
