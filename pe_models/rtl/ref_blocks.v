// Registered arithmetic blocks for comparison with Horowitz (ISSCC 2014): registers on the
// inputs and on the output; only the combinational block between them is compared.
module ref_add #(parameter N = 8) (
    input  wire clk,
    input  wire [N-1:0] x_in, y_in,
    output reg  [N-1:0] s_q
);
    reg [N-1:0] x_q, y_q;
    always @(posedge clk) begin
        x_q <= x_in;
        y_q <= y_in;
        s_q <= x_q + y_q;
    end
endmodule

module ref_mul #(parameter N = 8) (
    input  wire clk,
    input  wire [N-1:0] x_in, y_in,
    output reg  [2*N-1:0] p_q
);
    reg [N-1:0] x_q, y_q;
    always @(posedge clk) begin
        x_q <= x_in;
        y_q <= y_in;
        p_q <= x_q * y_q;
    end
endmodule

module ref_fpmul #(parameter EW = 5, parameter MW = 10) (
    input  wire clk,
    input  wire [EW+MW:0] x_in, y_in,
    output reg  [31:0] p_q
);
    reg  [EW+MW:0] x_q, y_q;
    wire [31:0] p;
    fp_mul_to_fp32 #(.EW(EW), .MW(MW)) u_mul (.x(x_q), .y(y_q), .p(p));
    always @(posedge clk) begin
        x_q <= x_in;
        y_q <= y_in;
        p_q <= p;
    end
endmodule

module ref_fp32add (
    input  wire clk,
    input  wire [31:0] x_in, y_in,
    output reg  [31:0] s_q
);
    reg  [31:0] x_q, y_q;
    wire [31:0] s;
    fp32_add u_add (.x(x_q), .y(y_q), .s(s));
    always @(posedge clk) begin
        x_q <= x_in;
        y_q <= y_in;
        s_q <= s;
    end
endmodule
