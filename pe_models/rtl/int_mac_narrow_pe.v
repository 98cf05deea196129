// Integer MAC processing element with a narrow (activation-width) accumulator, as Eyeriss builds
// its 16-bit PE (Chen et al., IEEE JSSC 52(1) 2017, Sec. V-A: 16-bit fixed point, 16-bit psums):
// signed W-bit weight x signed A-bit activation; the W+A-bit product is truncated to its ACC most
// significant bits below the redundant sign bit (fixed point: Q1.(W-1) x Q1.(A-1) -> Q1.(ACC-1)),
// registered, and accumulated in ACC bits (two's-complement wrap, no saturation logic).
// Stage 0: scratchpad interface registers (w_q, a_q); stage 1: truncated product register (p_q);
// stage 2: accumulator register (acc_q); clr restarts a reduction (synchronous).
module int_mac_narrow_pe #(
    parameter W = 16,
    parameter A = 16,
    parameter ACC = A
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
    reg signed [ACC-1:0] p_q;
    reg signed [ACC-1:0] acc_q;
    wire signed [W+A-1:0] prod = w_q * a_q;

    always @(posedge clk) begin
        w_q   <= w_in;
        a_q   <= a_in;
        clr_q <= clr;
        p_q   <= prod[W+A-2 -: ACC];
        acc_q <= (clr_q ? {ACC{1'b0}} : acc_q) + p_q;
    end

    assign acc_out = acc_q;
endmodule
