// Shift-based "LightPE" (QUIDAM, Inci et al., ACM TECS 2023): each weight is TERMS signed
// powers of two. A weight code holds, per term, one sign bit and an E-bit shift amount,
// so the product is sum_t (-1)^s_t * (a << e_t): shifters and adders, no multiplier.
// TERMS = 1 is LightPE-1, TERMS = 2 is LightPE-2. Same register stages as int_mac_pe.
module lightpe #(
    parameter A = 8,
    parameter E = 3,
    parameter TERMS = 1,
    parameter DEPTH_BITS = 8,
    parameter SH = A + (1 << E) - 1,          // widest shifted activation
    parameter P = SH + 1 + (TERMS - 1),       // + sign of the negated term, + carry of the sum
    parameter ACC = P + DEPTH_BITS
) (
    input  wire                      clk,
    input  wire                      clr,
    input  wire [TERMS*(E+1)-1:0]    w_in,
    input  wire signed [A-1:0]       a_in,
    output wire signed [ACC-1:0]     acc_out
);
    reg [TERMS*(E+1)-1:0] w_q;
    reg signed [A-1:0]    a_q;
    reg                   clr_q;
    reg signed [P-1:0]    p_q;
    reg signed [ACC-1:0]  acc_q;

    wire signed [P-1:0] a_ext = a_q;  // sign-extended activation
    reg  signed [P-1:0] sum;
    integer t;
    always @(*) begin
        sum = {P{1'b0}};
        for (t = 0; t < TERMS; t = t + 1) begin
            if (w_q[t*(E+1)+E])
                sum = sum - (a_ext <<< w_q[t*(E+1) +: E]);
            else
                sum = sum + (a_ext <<< w_q[t*(E+1) +: E]);
        end
    end

    always @(posedge clk) begin
        w_q   <= w_in;
        a_q   <= a_in;
        clr_q <= clr;
        p_q   <= sum;
        acc_q <= (clr_q ? {ACC{1'b0}} : acc_q) + {{(ACC-P){p_q[P-1]}}, p_q};
    end

    assign acc_out = acc_q;
endmodule
