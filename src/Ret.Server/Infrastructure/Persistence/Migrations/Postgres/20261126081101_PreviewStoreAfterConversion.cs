using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ret.Server.Infrastructure.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class PreviewStoreAfterConversion : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "TablesConversionId",
                table: "workspace_sessions",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "TablesError",
                table: "workspace_sessions",
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: true);

            // Sessions converted before this change had their preview store filled inside the conversion job.
            migrationBuilder.Sql("UPDATE workspace_sessions SET \"TablesConversionId\" = \"CurrentConversionId\";");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "TablesConversionId",
                table: "workspace_sessions");

            migrationBuilder.DropColumn(
                name: "TablesError",
                table: "workspace_sessions");
        }
    }
}
