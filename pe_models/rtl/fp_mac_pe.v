// Floating-point MAC PE (reference point): (1, EW, MW) weight x activation, binary32
// accumulation. EW=5, MW=10 is FP16; EW=8, MW=7 is BF16. Register stages as int_mac_pe.
module fp_mac_pe #(
    parameter EW = 5,
    parameter MW = 10
) (
    input  wire             clk,
    input  wire             clr,
    input  wire [EW+MW:0]   w_in,
    input  wire [EW+MW:0]   a_in,
    output wire [31:0]      acc_out
);
    reg [EW+MW:0] w_q, a_q;
    reg           clr_q;
    reg [31:0]    p_q, acc_q;
    wire [31:0]   p, s;

    fp_mul_to_fp32 #(.EW(EW), .MW(MW)) u_mul (.x(w_q), .y(a_q), .p(p));
    fp32_add u_add (.x(clr_q ? 32'd0 : acc_q), .y(p_q), .s(s));

    always @(posedge clk) begin
        w_q   <= w_in;
        a_q   <= a_in;
        clr_q <= clr;
        p_q   <= p;
        acc_q <= s;
    end

    assign acc_out = acc_q;
endmodule
